package scan

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
)

// MaxMessageBytes keeps a notification under SNS's 256 KB limit, with room
// for the attributes and the envelope.
const MaxMessageBytes = 240 * 1024

// Message is one notification: a subject, a readable body with the JSON
// detail at its end, and attributes subscribers can filter on.
type Message struct {
	Subject    string
	Body       string
	Attributes map[string]string // highest_severity, new_findings, critical, warning, info
}

// NewMessage tells of the findings of snap that are new or worse. Past
// MaxMessageBytes it leaves findings out, and says how many.
func NewMessage(snap *Snapshot, findings []bottleneck.Finding) Message {
	counts := map[bottleneck.Severity]int{}
	highest := bottleneck.Info
	for _, f := range findings {
		counts[f.Severity]++
		if f.Severity.Rank() > highest.Rank() {
			highest = f.Severity
		}
	}
	subject := fmt.Sprintf("cloudscope: %d new or worse finding(s), highest %s", len(findings), highest)
	head := fmt.Sprintf("Scan %s at %s found %d new or worse finding(s): %d critical, %d warning, %d info.\n\n",
		snap.ID, snap.FinishedAt.Format("2006-01-02 15:04 UTC"), len(findings), counts[bottleneck.Critical], counts[bottleneck.Warning], counts[bottleneck.Info])

	type detail struct {
		Scan     string               `json:"scan_id"`
		Findings []bottleneck.Finding `json:"findings"`
		Omitted  int                  `json:"omitted"`
	}
	var lines strings.Builder
	kept := findings
	for {
		lines.Reset()
		for _, f := range kept {
			name := f.ResourceID
			if f.ResourceName != "" {
				name += " (" + f.ResourceName + ")"
			}
			fmt.Fprintf(&lines, "[%s] %s %s in %s: %s. %s\n", strings.ToUpper(string(f.Severity)), f.ResourceType, name, f.Region, f.Title, f.Recommendation)
		}
		omitted := len(findings) - len(kept)
		if omitted > 0 {
			fmt.Fprintf(&lines, "... and %d more finding(s) left out of this message; see the snapshot.\n", omitted)
		}
		js, _ := json.Marshal(detail{Scan: snap.ID, Findings: kept, Omitted: omitted})
		body := head + lines.String() + "\nJSON:\n" + string(js) + "\n"
		if len(body) <= MaxMessageBytes || len(kept) == 0 {
			return Message{Subject: subject, Body: body, Attributes: map[string]string{
				"highest_severity": string(highest),
				"new_findings":     fmt.Sprint(len(findings)),
				"critical":         fmt.Sprint(counts[bottleneck.Critical]),
				"warning":          fmt.Sprint(counts[bottleneck.Warning]),
				"info":             fmt.Sprint(counts[bottleneck.Info]),
			}}
		}
		// Too long: keep the most severe ones (the list is sorted so), fewer each round.
		kept = kept[:len(kept)*3/4]
	}
}
