package scan

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// MaxMessageBytes keeps a notification under SNS's 256 KB limit, with room
// for the attributes and the envelope.
const MaxMessageBytes = 240 * 1024

// NewMessage tells of the findings of snap that are new or worse. Past
// MaxMessageBytes it leaves findings out, and says how many.
func NewMessage(snap *cloudscope.Snapshot, findings []cloudscope.Finding) cloudscope.Message {
	counts := map[cloudscope.Severity]int{}
	highest := cloudscope.Info
	for _, f := range findings {
		counts[f.Severity]++
		if f.Severity.Rank() > highest.Rank() {
			highest = f.Severity
		}
	}
	subject := fmt.Sprintf("cloudscope: %d new or worse finding(s), highest %s", len(findings), highest)
	head := fmt.Sprintf("Scan %s at %s found %d new or worse finding(s): %d critical, %d warning, %d info.\n\n",
		snap.ID, snap.FinishedAt.Format("2006-01-02 15:04 UTC"), len(findings), counts[cloudscope.Critical], counts[cloudscope.Warning], counts[cloudscope.Info])

	type detail struct {
		Scan     string               `json:"scan_id"`
		Findings []cloudscope.Finding `json:"findings"`
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
			return cloudscope.Message{Subject: subject, Body: body, Attributes: map[string]string{
				"highest_severity": string(highest),
				"new_findings":     fmt.Sprint(len(findings)),
				"critical":         fmt.Sprint(counts[cloudscope.Critical]),
				"warning":          fmt.Sprint(counts[cloudscope.Warning]),
				"info":             fmt.Sprint(counts[cloudscope.Info]),
			}}
		}
		// Too long: keep the most severe ones (the list is sorted so), fewer each round.
		kept = kept[:len(kept)*3/4]
	}
}
