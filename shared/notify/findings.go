package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// FindingsSchemaID names the findings document's version: a program reads
// "schema" first. Within v1 fields may be added (the schema in the repo
// says which), never removed or changed in meaning.
const FindingsSchemaID = "cloudscope.findings/v1"

// FindingsDocument is the JSON body programs get: the findings of one scan
// that are new or worse than in the scan before.
type FindingsDocument struct {
	Schema     string    `json:"schema"`
	ScanID     string    `json:"scan_id"`
	FinishedAt time.Time `json:"finished_at"`
	// Accounts are the accounts of the findings, where known.
	Accounts []string `json:"accounts"`
	Regions  []string `json:"regions"`
	// Counts count every finding of the notification, Findings lists them
	// most severe first, and Omitted says how many of the least severe were
	// left out to keep the message within SNS's size limit.
	Counts   SeverityCounts `json:"counts"`
	Findings []FindingEntry `json:"findings"`
	Omitted  int            `json:"omitted"`
	Links    DocLinks       `json:"links"`
	// Savings is the potential savings a month of the notification's
	// findings (added within v1).
	Savings SavingsTotal `json:"savings"`
	// Anomalies are the scan's new confirmed spend anomalies (added
	// within v1; absent when none).
	Anomalies []AnomalyEntry `json:"anomalies,omitempty"`
}

// SavingsTotal is the potential savings a month of some findings, each
// resource counted once (cloudscope.SumSavings): the total of those whose
// figure counts (Priced), how many have a figure another finding's larger
// saving on the same resource already counts (Covered, added within v1),
// and how many waste findings have none (Unpriced).
type SavingsTotal struct {
	Currency string            `json:"currency"`
	Monthly  cloudscope.Amount `json:"monthly"`
	Priced   int               `json:"priced"`
	Covered  int               `json:"covered"`
	Unpriced int               `json:"unpriced"`
}

func savingsTotal(fs []cloudscope.Finding) SavingsTotal {
	s := cloudscope.SumSavings(fs)
	return SavingsTotal{Currency: s.Currency, Monthly: s.Monthly, Priced: s.Priced, Covered: s.Covered, Unpriced: s.Unpriced}
}

// savingsLine is "Potential savings: 12.34 USD/month (3 findings; 1 more
// counted in another's saving; 1 more without a price)", or "".
func savingsLine(t SavingsTotal) string {
	if t.Priced+t.Covered+t.Unpriced == 0 {
		return ""
	}
	line := fmt.Sprintf("Potential savings: %s %s/month (%s", t.Monthly.Cents(), t.Currency, plural(t.Priced, "finding", "findings"))
	if t.Covered > 0 {
		line += fmt.Sprintf("; %d more counted in another's saving", t.Covered)
	}
	if t.Unpriced > 0 {
		line += fmt.Sprintf("; %d more without a price", t.Unpriced)
	}
	return line + ")"
}

// FindingEntry is one finding as a program gets it: the finding without
// its evidence datapoints (GET /snapshots/{id} has them), with its account
// and its link.
type FindingEntry struct {
	ID             string                  `json:"id"`
	Rule           string                  `json:"rule"`
	Severity       cloudscope.Severity     `json:"severity"`
	Title          string                  `json:"title"`
	ResourceType   cloudscope.ResourceType `json:"resource_type"`
	ResourceID     string                  `json:"resource_id"`
	ResourceName   string                  `json:"resource_name,omitempty"`
	Region         string                  `json:"region"`
	AccountID      string                  `json:"account_id,omitempty"`
	Observed       map[string]float64      `json:"observed"`
	Threshold      cloudscope.Threshold    `json:"threshold"`
	Window         cloudscope.Window       `json:"window"`
	Recommendation string                  `json:"recommendation"`
	Link           string                  `json:"link,omitempty"`
	// Savings is what acting on a waste finding saves a month, or why no
	// figure is given (added within v1).
	Savings *cloudscope.Savings `json:"savings,omitempty"`
	// Rightsize is a rightsize finding's target, sizes, projected load
	// and prices (added within v1).
	Rightsize *cloudscope.Rightsizing `json:"rightsize,omitempty"`
	// SeeAlso is the id of the finding whose action covers this one (added within v1).
	SeeAlso string `json:"see_also,omitempty"`
}

func entry(f cloudscope.Finding, account, link string) FindingEntry {
	observed := f.Observed
	if observed == nil {
		observed = map[string]float64{}
	}
	return FindingEntry{ID: f.ID, Rule: f.Rule, Severity: f.Severity, Title: f.Title, ResourceType: f.ResourceType, ResourceID: f.ResourceID,
		ResourceName: f.ResourceName, Region: f.Region, AccountID: account, Observed: observed, Threshold: f.Threshold, Window: f.Window,
		Recommendation: f.Recommendation, Link: link, Savings: f.Savings, Rightsize: f.Rightsize, SeeAlso: f.SeeAlso}
}

// Findings renders the notification of findings, the findings of snap
// that are new or worse, sorted most severe first; base is the snapshot
// they are compared with ("" when unknown: no diff link). Past the size
// limit the least severe are left out, from every body alike, and the
// bodies say how many.
func (r Renderer) Findings(snap *cloudscope.Snapshot, findings []cloudscope.Finding, base string) cloudscope.Message {
	links := NewLinks(r.DashboardURL)
	idx := accountsOf(snap)
	counts := countOf(findings)
	accounts, rules := idx.accountsAndRules(findings)
	attrs, lists := attributes(KindFindings, counts, len(findings), accounts, rules)
	doc := FindingsDocument{Schema: FindingsSchemaID, ScanID: snap.ID, FinishedAt: snap.FinishedAt.UTC(), Accounts: nonNil(accounts),
		Regions: nonNil(snap.Regions), Counts: counts, Savings: savingsTotal(findings),
		Links: DocLinks{Dashboard: links.Findings(), Snapshot: links.Snapshot(snap.ID), Diff: links.Diff(base, snap.ID)}}
	subject := fmt.Sprintf("cloudscope: %s, highest %s", plural(len(findings), "new or worse finding", "new or worse findings"), counts.highest())
	if len(findings) == 0 {
		subject = "cloudscope: nothing new or worse"
	}
	if n := len(r.Anomalies); n > 0 {
		for _, a := range r.Anomalies {
			doc.Anomalies = append(doc.Anomalies, anomalyEntry(a))
		}
		attrs["anomalies"] = itoa(n)
		if len(findings) == 0 {
			subject = "cloudscope: " + plural(n, "spend anomaly", "spend anomalies")
		} else {
			subject += ", " + plural(n, "spend anomaly", "spend anomalies")
		}
	}
	render := func(k int) cloudscope.Message {
		kept := findings[:k]
		doc.Findings, doc.Omitted = make([]FindingEntry, 0, k), len(findings)-k
		for _, f := range kept {
			doc.Findings = append(doc.Findings, entry(f, idx.of(f), links.Finding(f.ID)))
		}
		return cloudscope.Message{Subject: subject, Attributes: attrs, Lists: lists,
			Bodies: map[string]string{cloudscope.BodyDefault: string(marshal(doc)), cloudscope.BodyEmail: findingsEmail(snap, counts, kept, len(findings)-k, idx, links, base, r.Anomalies)}}
	}
	m := fit(len(findings), r.max(), render)
	m.Chat = findingsChat(snap, counts, findings, idx, links, base)
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// typeName names a resource type for people: its descriptor's label.
func typeName(t cloudscope.ResourceType) string {
	if d, ok := resourcetypes.Of(string(t)); ok {
		return d.Label
	}
	return string(t)
}

// resource names a finding's resource for a person: "batch-worker (EC2
// instance i-0abc)", or "EC2 instance i-0abc" when it has no name.
func resource(f cloudscope.Finding) string {
	if f.ResourceName != "" && f.ResourceName != f.ResourceID {
		return fmt.Sprintf("%s (%s %s)", f.ResourceName, typeName(f.ResourceType), f.ResourceID)
	}
	return typeName(f.ResourceType) + " " + f.ResourceID
}

const timeLayout = "2006-01-02 15:04 UTC"

// findingLines writes one finding in two lines: the resource, where it is
// and what is wrong; what to do, and the link to it.
func findingLines(b *strings.Builder, f cloudscope.Finding, account, link string) {
	where := f.Region
	if account != "" {
		where += ", account " + account
	}
	fmt.Fprintf(b, "- %s, %s: %s.\n", resource(f), where, strings.TrimSuffix(f.Title, "."))
	todo := strings.TrimSpace(f.Recommendation)
	if todo == "" {
		todo = "See the finding in the dashboard."
	}
	if link != "" {
		todo += " " + link
	}
	fmt.Fprintf(b, "  What to do: %s\n", todo)
	switch s := f.Savings; {
	case s == nil:
	case s.Estimate != "" && s.CoveredBy != "":
		fmt.Fprintf(b, "  Saves: %s (price: %s, %s); counted in the saving of %s\n", s.Estimate, s.PriceSource, s.PriceDate, s.CoveredBy)
	case s.Estimate != "":
		fmt.Fprintf(b, "  Saves: %s (price: %s, %s)\n", s.Estimate, s.PriceSource, s.PriceDate)
	case s.Unavailable != "":
		fmt.Fprintf(b, "  Saves: %s\n", s.Unavailable)
	}
}

// bySeverity writes findings under a heading per severity.
func bySeverity(b *strings.Builder, fs []cloudscope.Finding, line func(cloudscope.Finding)) {
	for _, sev := range cloudscope.Severities {
		first := true
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			if first {
				n := 0
				for _, g := range fs {
					if g.Severity == sev {
						n++
					}
				}
				fmt.Fprintf(b, "\n%s (%d)\n\n", strings.ToUpper(string(sev)), n)
				first = false
			}
			line(f)
		}
	}
}

// countsText is "2 critical, 5 warning, 1 info".
func countsText(c SeverityCounts) string {
	return fmt.Sprintf("%d critical, %d warning, %d info", c.Critical, c.Warning, c.Info)
}

func findingsEmail(snap *cloudscope.Snapshot, c SeverityCounts, kept []cloudscope.Finding, omitted int, idx accountIndex, links Links, base string, anomalies []cloudscope.Anomaly) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudscope's scan %s, finished %s, found %s: %s.\n", snap.ID, snap.FinishedAt.UTC().Format(timeLayout),
		plural(c.Total, "finding that is new or worse than in the scan before", "findings that are new or worse than in the scan before"), countsText(c))
	if line := savingsLine(savingsTotal(kept)); line != "" {
		fmt.Fprintf(&b, "%s.\n", line)
	}
	if links.Enabled() {
		fmt.Fprintf(&b, "\nEvery finding of this scan: %s\n", links.Findings())
		if d := links.Diff(base, snap.ID); d != "" {
			fmt.Fprintf(&b, "What changed since the scan before: %s\n", d)
		}
	}
	bySeverity(&b, kept, func(f cloudscope.Finding) { findingLines(&b, f, idx.of(f), links.Finding(f.ID)) })
	if omitted > 0 {
		fmt.Fprintf(&b, "\n%s left out of this message to keep it within SNS's size limit (the least severe); the dashboard and GET /snapshots/%s list them all.\n",
			plural(omitted, "more finding is", "more findings are"), snap.ID)
	}
	anomaliesEmail(&b, anomalies)
	b.WriteString("\n-- \nYou get this as a subscriber of cloudscope's findings topic. Programs get the same findings as a JSON document (schema " +
		FindingsSchemaID + ") by subscribing with sqs, lambda, https or email-json.\n")
	return b.String()
}
