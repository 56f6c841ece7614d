package cloudscope

import (
	"errors"
	"time"
)

// ErrSnapshotExists is what a store's Save returns for a scan id already stored.
var ErrSnapshotExists = errors.New("a snapshot with this scan id is already stored")

// GroupTotal is one cost group's amount over a window and its share of the total.
type GroupTotal struct {
	Key    string  `json:"key"`
	Amount Amount  `json:"amount"`
	Share  float64 `json:"share"`
}

// Notification states of a snapshot.
const (
	NotifyNone    = "none"    // nothing new to tell
	NotifyPending = "pending" // to send, or sending failed: the next scan sends it
	NotifySent    = "sent"
)

// SnapshotHeader is what a snapshot is, without its resources and findings.
type SnapshotHeader struct {
	ID         string         `json:"id"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt time.Time      `json:"finished_at"`
	Regions    []string       `json:"regions"`
	Counts     SnapshotCounts `json:"counts"`
	Costs      *CostSummary   `json:"costs,omitempty"`
	Errors     []Failure      `json:"errors"`
	// Calls counts AWS requests by API.
	Calls map[string]int `json:"aws_calls"`
	// Notification is none, pending or sent; Notify lists the finding ids
	// the notification is about.
	Notification string   `json:"notification"`
	Notify       []string `json:"notify,omitempty"`
}

// SnapshotCounts summarise a snapshot.
type SnapshotCounts struct {
	Resources  int                  `json:"resources"`
	ByType     map[ResourceType]int `json:"by_type"`
	Findings   int                  `json:"findings"`
	BySeverity map[Severity]int     `json:"by_severity"`
}

// CostSummary is the last 30 days of spend at the time of the scan.
type CostSummary struct {
	Start    string       `json:"start"`
	End      string       `json:"end"`
	Currency string       `json:"currency"`
	Total    Amount       `json:"total"`
	Top      []GroupTotal `json:"top_services"`
}

// Snapshot is one scan: everything found, and every finding.
type Snapshot struct {
	SnapshotHeader
	Resources    []Resource     `json:"resources"`
	Findings     []Finding      `json:"findings"`
	Insufficient []Insufficient `json:"insufficient_data"`
}

// SnapshotDiff is what changed between two snapshots.
type SnapshotDiff struct {
	Base             string     `json:"base"`
	Head             string     `json:"head"`
	ResourcesAdded   []Resource `json:"resources_added"`
	ResourcesRemoved []Resource `json:"resources_removed"`
	FindingsNew      []Finding  `json:"findings_new"`
	FindingsWorse    []Finding  `json:"findings_worse"`
	FindingsResolved []Finding  `json:"findings_resolved"`
	// CostChange is head's 30-day total less base's, when both have one.
	CostChange *Amount `json:"cost_change,omitempty"`
}

func resourceKey(r Resource) string { return string(r.Type) + "/" + r.Region + "/" + r.ID }

// CompareSnapshots returns what changed from base to head. A finding is worse when
// its severity rose. Only what head looked at can be removed or resolved: a
// resource or finding in a region head did not cover, or could not read, is
// not counted gone.
func CompareSnapshots(base, head *Snapshot) SnapshotDiff {
	d := SnapshotDiff{Base: base.ID, Head: head.ID, ResourcesAdded: []Resource{}, ResourcesRemoved: []Resource{},
		FindingsNew: []Finding{}, FindingsWorse: []Finding{}, FindingsResolved: []Finding{}}
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
	before := map[string]Finding{}
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
