package notify

import (
	"fmt"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// AnomalyEntry is one spend anomaly as a program gets it (added within
// v1 of the findings document): the series, the days, what the jump cost,
// and how much of it the inventory's changes explain.
type AnomalyEntry struct {
	ID          string                   `json:"id"`
	AccountID   string                   `json:"account_id,omitempty"`
	Service     string                   `json:"service"`
	Region      string                   `json:"region,omitempty"`
	Kind        cloudscope.AnomalyKind   `json:"kind"`
	Status      cloudscope.AnomalyStatus `json:"status"`
	Start       string                   `json:"start"`
	End         string                   `json:"end"`
	Currency    string                   `json:"currency"`
	Actual      cloudscope.Amount        `json:"actual"`
	Expected    cloudscope.Amount        `json:"expected"`
	Excess      cloudscope.Amount        `json:"excess"`
	Score       float64                  `json:"score"`
	Explained   *cloudscope.Amount       `json:"explained,omitempty"`
	Unexplained *cloudscope.Amount       `json:"unexplained,omitempty"`
	// Causes name the changed resources that explain it, most costly first.
	Causes []string `json:"causes"`
	Note   string   `json:"note,omitempty"`
}

func anomalyEntry(a cloudscope.Anomaly) AnomalyEntry {
	e := AnomalyEntry{ID: a.ID, AccountID: a.AccountID, Service: a.Service, Region: a.Region, Kind: a.Kind, Status: a.Status, Start: a.Start, End: a.End,
		Currency: a.Currency, Actual: a.Actual, Expected: a.Expected, Excess: a.Excess, Score: a.Score, Causes: []string{}}
	if ex := a.Explanation; ex != nil {
		e.Note = ex.Note
		if ex.Covered {
			e.Explained, e.Unexplained = &ex.Explained, &ex.Unexplained
		}
		for _, c := range ex.Changes {
			e.Causes = append(e.Causes, cause(c))
		}
	}
	return e
}

// cause is one change in words: "nat-0abc (NAT gateway, us-east-1) created
// 14:00 UTC, 10 h: 0.45" or "... unpriced".
func cause(c cloudscope.AnomalyChange) string {
	name := c.ResourceID
	if c.Name != "" && c.Name != c.ResourceID {
		name = c.Name + " " + c.ResourceID
	}
	s := fmt.Sprintf("%s (%s, %s) %s %s, %.2f h", name, typeName(c.ResourceType), c.Region, c.Change, c.Since.UTC().Format("15:04 UTC"), c.Hours)
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	if c.Cost != nil {
		return s + ": " + c.Cost.Cents()
	}
	return s + ": unpriced"
}

// anomalyLine is one anomaly in a line for a person.
func anomalyLine(a cloudscope.Anomaly) string {
	where := a.Service
	if a.Region != "" {
		where += ", " + a.Region
	}
	if a.AccountID != "" {
		where += ", account " + a.AccountID
	}
	days := a.Start
	if a.End != a.Start {
		days += " to " + a.End
	}
	s := fmt.Sprintf("%s on %s: %s %s against %s expected (+%s)", where, days, a.Actual.Cents(), a.Currency, a.Expected.Cents(), a.Excess.Cents())
	switch a.Kind {
	case cloudscope.AnomalyNewSpend:
		s += ", new spend"
	case cloudscope.AnomalyLevelShift:
		s += ", a level shift (now the normal)"
	}
	return s
}

// anomaliesEmail writes the anomalies' section of the email.
func anomaliesEmail(b *strings.Builder, as []cloudscope.Anomaly) {
	if len(as) == 0 {
		return
	}
	fmt.Fprintf(b, "\nSPEND ANOMALIES (%d)\n\n", len(as))
	for _, a := range as {
		fmt.Fprintf(b, "- %s.\n", anomalyLine(a))
		ex := a.Explanation
		switch {
		case ex == nil:
		case !ex.Covered:
			fmt.Fprintf(b, "  Why: %s.\n", ex.Note)
		default:
			fmt.Fprintf(b, "  Explained: %s by %s; unexplained: %s.\n", ex.Explained.Cents(), plural(len(ex.Changes), "change", "changes"), ex.Unexplained.Cents())
			for i, c := range ex.Changes {
				if i == 5 {
					fmt.Fprintf(b, "    ...and %d more\n", len(ex.Changes)-5)
					break
				}
				fmt.Fprintf(b, "    %s\n", cause(c))
			}
		}
	}
}
