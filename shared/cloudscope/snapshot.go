package cloudscope

import (
	"errors"
	"slices"
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

// ErrStateChanged is what a conditional update returns when the state it
// expected has changed under it (another delivery of the scan got there first).
var ErrStateChanged = errors.New("the stored state is not the one expected")

// Notification states of a snapshot. A notification is claimed (pending ->
// sending) with a condition before it is published, so that two deliveries
// of one scan racing can never both send it.
const (
	NotifyNone    = "none"    // nothing new to tell
	NotifyPending = "pending" // to send, or sending failed: the next scan sends it
	NotifySending = "sending" // claimed by the delivery publishing it
	NotifySent    = "sent"
)

// Outcomes of a scan: whether it read enough to stand for the account.
const (
	// OutcomeComplete: every region and service was read.
	OutcomeComplete = "complete"
	// OutcomePartial: some regions or services could not be read; Errors
	// says which. It stands for the account, and the diff counts nothing
	// gone where it could not look.
	OutcomePartial = "partial"
	// OutcomeFailed: a step failed everywhere (no region's inventory, or no
	// region's metrics). The snapshot is kept for inspection under its id,
	// but it is never the latest, the base of a diff, or a notification's.
	OutcomeFailed = "failed"
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
	// Bill is what the scan's own AWS calls cost (nil in snapshots stored
	// before it was counted).
	Bill *Bill `json:"bill,omitempty"`
	// Notification is none, pending or sent; Notify lists the finding ids
	// the notification is about.
	Notification string   `json:"notification"`
	Notify       []string `json:"notify,omitempty"`
	// Outcome is complete, partial or failed; FailedStep names the step that
	// failed everywhere (discover or metrics).
	Outcome    string `json:"outcome,omitempty"`
	FailedStep string `json:"failed_step,omitempty"`
}

// Failed reports whether the scan read too little to stand for the account.
func (h *SnapshotHeader) Failed() bool { return h.Outcome == OutcomeFailed }

// SnapshotCounts summarise a snapshot.
type SnapshotCounts struct {
	Resources  int                  `json:"resources"`
	ByType     map[ResourceType]int `json:"by_type"`
	Findings   int                  `json:"findings"`
	BySeverity map[Severity]int     `json:"by_severity"`
	// ByRegion, ByState and TagKeys count the resources by region, state
	// and tag key; ByGroup by "type/region", the unit the inventory is
	// stored in, so that the first screen of any view needs no other read.
	ByRegion map[string]int `json:"by_region,omitempty"`
	ByState  map[string]int `json:"by_state,omitempty"`
	TagKeys  map[string]int `json:"tag_keys,omitempty"`
	ByGroup  map[string]int `json:"by_group,omitempty"`
	// ByAccount counts the resources by account (empty in a one-account
	// scan whose resources carry no account).
	ByAccount map[string]int `json:"by_account,omitempty"`
	// Savings is the potential savings a month of the findings.
	Savings *SavingsSummary `json:"savings,omitempty"`
}

// GroupKey names the (type, region) group a resource is stored in.
func GroupKey(t ResourceType, region string) string { return string(t) + "/" + region }

// CountResources fills the resource counts of c from rs.
func (c *SnapshotCounts) CountResources(rs []Resource) {
	c.Resources = len(rs)
	c.ByType, c.ByRegion, c.ByState, c.TagKeys, c.ByGroup = map[ResourceType]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range rs {
		c.ByType[r.Type]++
		c.ByRegion[r.Region]++
		c.ByState[r.State]++
		c.ByGroup[GroupKey(r.Type, r.Region)]++
		if r.AccountID != "" {
			if c.ByAccount == nil {
				c.ByAccount = map[string]int{}
			}
			c.ByAccount[r.AccountID]++
		}
		for k := range r.Tags {
			c.TagKeys[k]++
		}
	}
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
	// ByAccount counts the changes per account id, when the snapshots'
	// resources or findings carry accounts (absent in a one-account scan).
	ByAccount map[string]DiffCounts `json:"by_account,omitempty"`
	// SavingsRealized is the monthly saving of the resolved findings (what
	// acting on them saved); SavingsNew that of the new ones (USD). Each
	// resource counts once: a saving covered by another is left out, and
	// one that a resolved finding covered and that now counts on its own
	// is taken off what was realized (one that counted on its own and that
	// a new finding now covers, off what is new).
	SavingsRealized Amount `json:"savings_realized"`
	SavingsNew      Amount `json:"savings_new"`
}

// DiffCounts count one account's changes in a diff.
type DiffCounts struct {
	ResourcesAdded   int `json:"resources_added"`
	ResourcesRemoved int `json:"resources_removed"`
	FindingsNew      int `json:"findings_new"`
	FindingsWorse    int `json:"findings_worse"`
	FindingsResolved int `json:"findings_resolved"`
}

// ResourceKey identifies a resource across snapshots: the same id in two
// accounts is two resources.
type ResourceKey struct {
	AccountID string
	Type      ResourceType
	Region    string
	ID        string
}

// KeyOf is r's key.
func KeyOf(r Resource) ResourceKey {
	return ResourceKey{AccountID: r.AccountID, Type: r.Type, Region: r.Region, ID: r.ID}
}

// findingKey identifies a finding across snapshots; a finding's id names its
// rule and resource but not the account.
func findingKey(f Finding) string { return f.AccountID + "/" + f.ID }

// coverage is where a snapshot read everything: its regions, less those
// where it failed (in every account, or in one), less the accounts it could
// not read at all.
type coverage struct {
	regions map[string]bool
	failed  map[[2]string]bool // (account, region); "" is any
}

func newCoverage(head *Snapshot) coverage {
	c := coverage{regions: map[string]bool{}, failed: map[[2]string]bool{}}
	for _, r := range head.Regions {
		c.regions[r] = true
	}
	for _, f := range head.Errors {
		c.failed[[2]string{f.AccountID, f.Region}] = true
	}
	return c
}

// read reports whether (account, region) was read whole.
func (c coverage) read(account, region string) bool {
	if region != "" && !c.regions[region] {
		return false
	}
	return !c.failed[[2]string{"", region}] && !c.failed[[2]string{account, region}] &&
		(account == "" || !c.failed[[2]string{account, ""}])
}

// CompareSnapshots returns what changed from base to head. A finding is worse when
// its severity rose. Only what head looked at can be removed or resolved: a
// resource or finding in a region head did not cover, or could not read, is
// not counted gone.
func CompareSnapshots(base, head *Snapshot) SnapshotDiff {
	d, _ := CompareBy(base, head, base.Resources, head.Resources, KeyOf, func(added, removed []Resource) ([]Resource, []Resource, error) {
		return added, removed, nil
	})
	return d
}

// CompareBy is CompareSnapshots with the snapshots' resources given apart,
// as anything with a key (a whole record, or a reference to a stored one):
// base and head give their header and findings (their Resources are not
// read), baseRes and headRes their resources. records turns the
// references added (in headRes' order) and removed (in baseRes' order)
// into the records the diff lists; its error is CompareBy's.
func CompareBy[R any](base, head *Snapshot, baseRes, headRes []R, key func(R) ResourceKey, records func(added, removed []R) ([]Resource, []Resource, error)) (SnapshotDiff, error) {
	d := SnapshotDiff{Base: base.ID, Head: head.ID, FindingsNew: []Finding{}, FindingsWorse: []Finding{}, FindingsResolved: []Finding{}}
	had := make(map[ResourceKey]bool, len(baseRes))
	for _, r := range baseRes {
		had[key(r)] = true
	}
	// Where head saw everything: its regions, less those with a failure.
	seen := newCoverage(head)
	has := make(map[ResourceKey]bool, len(headRes))
	var added, removed []R
	for _, r := range headRes {
		k := key(r)
		has[k] = true
		if !had[k] {
			added = append(added, r)
		}
	}
	clear(had)
	for _, r := range baseRes {
		if k := key(r); !has[k] && (k.Region == "" || seen.read(k.AccountID, k.Region)) {
			removed = append(removed, r)
		}
	}
	clear(has)
	var err error
	if d.ResourcesAdded, d.ResourcesRemoved, err = records(added, removed); err != nil {
		return SnapshotDiff{}, err
	}
	if d.ResourcesAdded == nil {
		d.ResourcesAdded = []Resource{}
	}
	if d.ResourcesRemoved == nil {
		d.ResourcesRemoved = []Resource{}
	}
	before := map[string]Finding{}
	for _, f := range base.Findings {
		before[findingKey(f)] = f
	}
	now := map[string]bool{}
	for _, f := range head.Findings {
		now[findingKey(f)] = true
		prev, ok := before[findingKey(f)]
		switch {
		case !ok:
			d.FindingsNew = append(d.FindingsNew, f)
		case f.Severity.Rank() > prev.Severity.Rank():
			d.FindingsWorse = append(d.FindingsWorse, f)
		}
	}
	for _, f := range base.Findings {
		if !now[findingKey(f)] && seen.read(f.AccountID, f.Region) {
			d.FindingsResolved = append(d.FindingsResolved, f)
		}
	}
	d.countByAccount()
	if base.Costs != nil && head.Costs != nil && base.Costs.Currency == head.Costs.Currency {
		change := head.Costs.Total.Sub(base.Costs.Total)
		d.CostChange = &change
	}
	d.SavingsRealized, d.SavingsNew = savingsChange(base, head, d)
	return d, nil
}

// countByAccount fills ByAccount from the changes that carry an account.
func (d *SnapshotDiff) countByAccount() {
	count := func(account string, add func(*DiffCounts)) {
		if account == "" {
			return
		}
		if d.ByAccount == nil {
			d.ByAccount = map[string]DiffCounts{}
		}
		c := d.ByAccount[account]
		add(&c)
		d.ByAccount[account] = c
	}
	for _, r := range d.ResourcesAdded {
		count(r.AccountID, func(c *DiffCounts) { c.ResourcesAdded++ })
	}
	for _, r := range d.ResourcesRemoved {
		count(r.AccountID, func(c *DiffCounts) { c.ResourcesRemoved++ })
	}
	for _, f := range d.FindingsNew {
		count(f.AccountID, func(c *DiffCounts) { c.FindingsNew++ })
	}
	for _, f := range d.FindingsWorse {
		count(f.AccountID, func(c *DiffCounts) { c.FindingsWorse++ })
	}
	for _, f := range d.FindingsResolved {
		count(f.AccountID, func(c *DiffCounts) { c.FindingsResolved++ })
	}
}

// InAccounts is s narrowed to the resources, findings, undecided rules and
// failures of the given accounts (s itself when none are given). A failure
// of no account (a region failed in a one-account scan) is kept. The
// header's counts are s's, not recounted; its cost summary, of every
// account, is left out.
func (s *Snapshot) InAccounts(accounts []string) *Snapshot {
	if len(accounts) == 0 {
		return s
	}
	in := func(id string) bool { return slices.Contains(accounts, id) }
	out := *s
	out.Resources, out.Findings, out.Insufficient, out.Errors, out.Costs = nil, nil, nil, nil, nil
	for _, r := range s.Resources {
		if in(r.AccountID) {
			out.Resources = append(out.Resources, r)
		}
	}
	for _, f := range s.Findings {
		if in(f.AccountID) {
			out.Findings = append(out.Findings, f)
		}
	}
	for _, i := range s.Insufficient {
		if in(i.AccountID) {
			out.Insufficient = append(out.Insufficient, i)
		}
	}
	for _, f := range s.Errors {
		if f.AccountID == "" || in(f.AccountID) {
			out.Errors = append(out.Errors, f)
		}
	}
	return &out
}
