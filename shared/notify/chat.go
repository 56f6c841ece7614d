package notify

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// ChatNotification is Amazon Q Developer in chat applications' (formerly
// AWS Chatbot's) custom notification: an SNS message in this shape, on a
// topic a chat channel is configured with, shows in Slack, Microsoft Teams
// or Amazon Chime. See "Custom notifications using Amazon Q Developer in
// chat applications" in its administrator guide: version "1.0", source
// "custom" and content.description are required.
type ChatNotification struct {
	Version  string       `json:"version"`
	Source   string       `json:"source"`
	ID       string       `json:"id,omitempty"`
	Content  ChatContent  `json:"content"`
	Metadata ChatMetadata `json:"metadata"`
}

// ChatContent is what the channel shows: a title, a markdown description,
// next steps as a list, and keywords as tags.
type ChatContent struct {
	TextType    string   `json:"textType"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	NextSteps   []string `json:"nextSteps,omitempty"`
	Keywords    []string `json:"keywords,omitempty"`
}

// ChatMetadata says what the notification is, for the preview and for
// custom actions.
type ChatMetadata struct {
	Summary           string            `json:"summary,omitempty"`
	EventType         string            `json:"eventType,omitempty"`
	AdditionalContext map[string]string `json:"additionalContext,omitempty"`
}

// cloudscope's own bounds on a chat notification, well within what a
// channel shows without cutting (the service documents about 8 KB for the
// description): a title of one line, a description a reader takes in at a
// glance, a few next steps and keywords. chat.schema.json holds them too.
const (
	ChatTitleMax       = 120  // characters
	ChatDescriptionMax = 3500 // bytes
	ChatNextStepsMax   = 4
	ChatKeywordsMax    = 6
	chatFindingsMax    = 15 // findings listed; the rest are counted
)

func newChat(id, title, description, eventType string, next, keywords []string, context map[string]string) string {
	if len(keywords) > ChatKeywordsMax {
		keywords = keywords[:ChatKeywordsMax]
	}
	if len(next) > ChatNextStepsMax {
		next = next[:ChatNextStepsMax]
	}
	c := ChatNotification{Version: "1.0", Source: "custom", ID: id,
		Content:  ChatContent{TextType: "client-markdown", Title: clip(title, ChatTitleMax), Description: description, NextSteps: next, Keywords: keywords},
		Metadata: ChatMetadata{Summary: clip(title, ChatTitleMax), EventType: eventType, AdditionalContext: context}}
	return string(marshal(c))
}

// clip cuts s to at most n characters, with an ellipsis when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// chatList appends lines to b while b stays within max bytes, leaving room
// for the closing note; it returns how many it wrote.
func chatList(b *strings.Builder, lines []string, max int) int {
	const room = 80 // "…and 1234 more: see the dashboard."
	for i, l := range lines {
		if b.Len()+len(l)+1 > max-room {
			return i
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return len(lines)
}

// mdEscape keeps a name from turning into markdown.
var mdEscape = strings.NewReplacer("*", "\\*", "_", "\\_", "`", "'", "~", "\\~")

// chatFinding is one finding in a line; account, when given, names the
// account it is in.
func chatFinding(f cloudscope.Finding, account string) string {
	name := f.ResourceID
	if f.ResourceName != "" && f.ResourceName != f.ResourceID {
		name = f.ResourceName + " (" + f.ResourceID + ")"
	}
	where := f.Region
	if account != "" {
		where += ", account " + account
	}
	return fmt.Sprintf("• *%s* %s %s in %s: %s", f.Severity, typeName(f.ResourceType), mdEscape.Replace(name), where,
		mdEscape.Replace(strings.TrimSuffix(f.Title, ".")))
}

func chatCounts(c SeverityCounts) string {
	var parts []string
	for _, s := range cloudscope.Severities {
		n := c.of(s)
		if n == 0 {
			continue
		}
		p := fmt.Sprintf("%d %s", n, s)
		if s == cloudscope.Critical {
			p = "*" + p + "*"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func findingsChat(snap *cloudscope.Snapshot, c SeverityCounts, findings []cloudscope.Finding, idx accountIndex, links Links, base string) string {
	title := fmt.Sprintf("cloudscope: %s (highest %s)", plural(c.Total, "new or worse finding", "new or worse findings"), c.highest())
	var b strings.Builder
	fmt.Fprintf(&b, "Scan `%s`, %s: %s.\n", snap.ID, snap.FinishedAt.UTC().Format(timeLayout), chatCounts(c))
	accounts, rules := idx.accountsAndRules(findings)
	if len(accounts) > 0 {
		fmt.Fprintf(&b, "Accounts: %s.\n", listed(accounts, 5))
	}
	if line := savingsLine(savingsTotal(findings)); line != "" {
		fmt.Fprintf(&b, "%s.\n", line)
	}
	b.WriteByte('\n')
	lines := make([]string, 0, min(len(findings), chatFindingsMax))
	for _, f := range findings[:min(len(findings), chatFindingsMax)] {
		// One account is named once, above; of several, each line names its own.
		account := ""
		if len(accounts) > 1 {
			account = idx.of(f)
		}
		lines = append(lines, chatFinding(f, account))
	}
	if n := chatList(&b, lines, ChatDescriptionMax); n < len(findings) {
		fmt.Fprintf(&b, "_…and %d more: see the dashboard._\n", len(findings)-n)
	}
	var next []string
	if links.Enabled() {
		next = append(next, "Open the findings: "+links.Findings())
		if d := links.Diff(base, snap.ID); d != "" {
			next = append(next, "Compare with the scan before: "+d)
		}
	} else {
		next = append(next, "Open the Bottlenecks panel of the cloudscope dashboard")
	}
	keywords := []string{}
	for _, s := range cloudscope.Severities {
		if c.of(s) > 0 {
			keywords = append(keywords, string(s))
		}
	}
	keywords = append(keywords, rules...)
	return newChat(snap.ID, title, description(b.String()), "cloudscope.findings", next, keywords,
		map[string]string{"scan_id": snap.ID, "schema": FindingsSchemaID})
}

// listed joins up to n items, and counts the rest.
func listed(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
