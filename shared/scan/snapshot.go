package scan

import (
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
)

// Notification states of a snapshot.
const (
	NotifyNone    = "none"    // nothing new to tell
	NotifyPending = "pending" // to send, or sending failed: the next scan sends it
	NotifySent    = "sent"
)

// Header is what a snapshot is, without its resources and findings.
type Header struct {
	ID         string               `json:"id"`
	StartedAt  time.Time            `json:"started_at"`
	FinishedAt time.Time            `json:"finished_at"`
	Regions    []string             `json:"regions"`
	Counts     Counts               `json:"counts"`
	Costs      *CostSummary         `json:"costs,omitempty"`
	Errors     []cloudscope.Failure `json:"errors"`
	// Calls counts AWS requests by API.
	Calls map[string]int `json:"aws_calls"`
	// Notification is none, pending or sent; Notify lists the finding ids
	// the notification is about.
	Notification string   `json:"notification"`
	Notify       []string `json:"notify,omitempty"`
}

// Counts summarise a snapshot.
type Counts struct {
	Resources  int                             `json:"resources"`
	ByType     map[cloudscope.ResourceType]int `json:"by_type"`
	Findings   int                             `json:"findings"`
	BySeverity map[bottleneck.Severity]int     `json:"by_severity"`
}

// CostSummary is the last 30 days of spend at the time of the scan.
type CostSummary struct {
	Start    string             `json:"start"`
	End      string             `json:"end"`
	Currency string             `json:"currency"`
	Total    cloudscope.Amount  `json:"total"`
	Top      []costs.GroupTotal `json:"top_services"`
}

// Snapshot is one scan: everything found, and every finding.
type Snapshot struct {
	Header
	Resources    []cloudscope.Resource     `json:"resources"`
	Findings     []bottleneck.Finding      `json:"findings"`
	Insufficient []bottleneck.Insufficient `json:"insufficient_data"`
}

// Diff is what changed between two snapshots.
type Diff struct {
	Base             string                `json:"base"`
	Head             string                `json:"head"`
	ResourcesAdded   []cloudscope.Resource `json:"resources_added"`
	ResourcesRemoved []cloudscope.Resource `json:"resources_removed"`
	FindingsNew      []bottleneck.Finding  `json:"findings_new"`
	FindingsWorse    []bottleneck.Finding  `json:"findings_worse"`
	FindingsResolved []bottleneck.Finding  `json:"findings_resolved"`
	// CostChange is head's 30-day total less base's, when both have one.
	CostChange *cloudscope.Amount `json:"cost_change,omitempty"`
}

func resourceKey(r cloudscope.Resource) string { return string(r.Type) + "/" + r.Region + "/" + r.ID }

// Compare returns what changed from base to head. A finding is worse when
// its severity rose. Only what head looked at can be removed or resolved: a
// resource or finding in a region head did not cover, or could not read, is
// not counted gone.
func Compare(base, head *Snapshot) Diff {
	d := Diff{Base: base.ID, Head: head.ID, ResourcesAdded: []cloudscope.Resource{}, ResourcesRemoved: []cloudscope.Resource{},
		FindingsNew: []bottleneck.Finding{}, FindingsWorse: []bottleneck.Finding{}, FindingsResolved: []bottleneck.Finding{}}
	had := map[string]bool{}
	for _, r := range base.Resources {
		had[resourceKey(r)] = true
	}
	// Where head saw everything: its regions, less those with a failure.
	seen := map[string]bool{}
	for _, r := range head.Regions {
		seen[r] = true
	}
	for _, f := range head.Errors {
		seen[f.Region] = false
	}
	has := map[string]bool{}
	for _, r := range head.Resources {
		has[resourceKey(r)] = true
		if !had[resourceKey(r)] {
			d.ResourcesAdded = append(d.ResourcesAdded, r)
		}
	}
	for _, r := range base.Resources {
		if !has[resourceKey(r)] && (seen[r.Region] || r.Region == "") {
			d.ResourcesRemoved = append(d.ResourcesRemoved, r)
		}
	}
	before := map[string]bottleneck.Finding{}
	for _, f := range base.Findings {
		before[f.ID] = f
	}
	now := map[string]bool{}
	for _, f := range head.Findings {
		now[f.ID] = true
		prev, ok := before[f.ID]
		switch {
		case !ok:
			d.FindingsNew = append(d.FindingsNew, f)
		case f.Severity.Rank() > prev.Severity.Rank():
			d.FindingsWorse = append(d.FindingsWorse, f)
		}
	}
	for _, f := range base.Findings {
		if !now[f.ID] && seen[f.Region] {
			d.FindingsResolved = append(d.FindingsResolved, f)
		}
	}
	if base.Costs != nil && head.Costs != nil && base.Costs.Currency == head.Costs.Currency {
		change := head.Costs.Total.Sub(base.Costs.Total)
		d.CostChange = &change
	}
	return d
}
