// Package ledger is the ledger of savings realized: at the end of each
// scan it records which priced findings resolved (their resource deleted or
// changed so that the rule no longer fires) with the monthly saving last
// estimated, when each was first and last seen and when it resolved, and
// reopens a finding that comes back, which then stops counting as saved.
// It answers GET /savings and `cloudscope savings`: realized and open
// savings by month, account and rule. Its records sit on the kv contract,
// in the scanning identity's partition (kv.Scope(account, "ledger")), one
// item per finding: "f#<account>#<finding id>", and one "meta" item saying
// since when the ledger counts.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// Kind is the ledger's kind of record in kv.Scope.
const Kind = "ledger"

// IAMActions are the table actions of the kv calls the ledger makes, on
// the DynamoDB backend (kv's methods map one to one onto its actions):
// Query (reading the ledger), PutBatch (BatchWriteItem: recording a round)
// and Delete (DeleteItem: an entry whose finding another one now covers).
// A test holds them to the calls.
var IAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:Query"}

// The states of an entry.
const (
	// Open: the finding fires now; its saving is still to be had.
	Open = "open"
	// Resolved: the finding no longer fires where the scan read
	// everything; its saving counts as realized.
	Resolved = "resolved"
	// Replaced: the finding no longer fires, but another waste finding
	// fires on the same resource (its rule changed): the resource still
	// carries waste, so nothing counts as realized.
	Replaced = "replaced"
)

// Entry is one finding in the ledger.
type Entry struct {
	FindingID    string                  `json:"finding_id"`
	AccountID    string                  `json:"account_id,omitempty"`
	Rule         string                  `json:"rule"`
	Title        string                  `json:"title"`
	Severity     cloudscope.Severity     `json:"severity"`
	ResourceType cloudscope.ResourceType `json:"resource_type"`
	ResourceID   string                  `json:"resource_id"`
	ResourceName string                  `json:"resource_name,omitempty"`
	Region       string                  `json:"region"`
	State        string                  `json:"state"`
	// Monthly is the saving a month last estimated, in Currency;
	// Estimate its arithmetic.
	Monthly  cloudscope.Amount `json:"monthly"`
	Currency string            `json:"currency"`
	Estimate string            `json:"estimate,omitempty"`
	// FirstSeen is the first scan the ledger saw the finding in (the
	// previous scan's time for a finding it met already open); LastSeen the
	// last scan that saw it before it resolved.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// ResolvedAt is when a scan found it gone (resolved or replaced), and
	// ResolvedScan that scan; ReplacedBy names the finding on the same
	// resource that replaced it.
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	ResolvedScan string     `json:"resolved_scan,omitempty"`
	ReplacedBy   string     `json:"replaced_by,omitempty"`
	// ReopenedAt is when it last came back after resolving; Reopens how
	// many times it did.
	ReopenedAt *time.Time `json:"reopened_at,omitempty"`
	Reopens    int        `json:"reopens,omitempty"`
}

// meta is the ledger's own item: since when it counts.
type meta struct {
	Since time.Time `json:"since"`
}

const (
	entryPrefix = "f#"
	metaKey     = "meta"
)

// entryKey is the sort key of a finding's entry: a finding's id names its
// rule and resource but not always its account.
func entryKey(account, findingID string) string { return entryPrefix + kv.Join(account, findingID) }

// Ledger keeps the ledger on a kv store.
type Ledger struct {
	store kv.Store
}

// New returns the ledger kept in store.
func New(store kv.Store) *Ledger { return &Ledger{store: store} }

// Round is what one scan tells the ledger: its findings, the previous
// stored scan's, and where it read everything.
type Round struct {
	Scan string
	At   time.Time
	// Findings are the scan's; Previous the previous stored scan's (at
	// PreviousAt), nil when there is none.
	Findings   []cloudscope.Finding
	Previous   []cloudscope.Finding
	PreviousAt time.Time
	Read       Coverage
}

// Coverage is where a scan read everything: only there can a finding
// resolve. A saving is never recorded because a read failed.
type Coverage struct {
	// Accounts are the accounts the scan read (a one-account scan: its
	// identity's, "" when unknown); a finding of any other account (a
	// scan of another accounts setting) is left as it is.
	Accounts []string
	// Regions are the regions the scan covered.
	Regions []string
	// Failures are what it could not read (the snapshot's errors): a
	// failure in a region (of an account, or of every account) leaves that
	// region's findings as they are; one in no region or the global one,
	// every finding of its account.
	Failures []cloudscope.Failure
	// Undecided are the rules that could not judge a resource for lack of
	// data: a finding among them did not resolve, it went unjudged.
	Undecided []cloudscope.Insufficient
}

// RoundOf is the round of scan cur against prev, the latest stored
// snapshot before it (nil for none), having read accounts.
func RoundOf(prev, cur *cloudscope.Snapshot, accounts []string) Round {
	r := Round{Scan: cur.ID, At: cur.FinishedAt, Findings: cur.Findings,
		Read: Coverage{Accounts: accounts, Regions: cur.Regions, Failures: cur.Errors, Undecided: cur.Insufficient}}
	if r.At.IsZero() {
		r.At = cur.StartedAt
	}
	if prev != nil && prev.ID != cur.ID {
		r.Previous, r.PreviousAt = prev.Findings, prev.FinishedAt
	}
	return r
}

// AccountsOf are the accounts a snapshot of a scan of several accounts
// read: those with a listing that succeeded (its counts by account).
func AccountsOf(s *cloudscope.Snapshot) []string {
	var out []string
	for a := range s.Counts.ByAccount {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// notReads are the services whose failures read nothing of the inventory
// or its metrics: they leave every finding judged.
var notReads = []string{"ce", "sns", "dynamodb", "pricing", FailureService}

// FailureService names the ledger in a snapshot's errors.
const FailureService = "ledger"

// covers reports whether c read f's account and region whole.
func (c Coverage) covers(account, region string, undecided map[string]bool, rule string, t cloudscope.ResourceType, id string) bool {
	if !slices.Contains(c.Accounts, account) || !slices.Contains(c.Regions, region) {
		return false
	}
	for _, f := range c.Failures {
		if slices.Contains(notReads, f.Service) || (f.AccountID != "" && f.AccountID != account) {
			continue
		}
		if f.Region == "" || f.Region == cloudscope.Global || f.Region == region {
			return false
		}
	}
	return !undecided[undecidedKey(account, rule, t, region, id)]
}

func undecidedKey(account, rule string, t cloudscope.ResourceType, region, id string) string {
	return strings.Join([]string{account, rule, string(t), region, id}, "\x00")
}

// priced reports whether f carries a saving the ledger counts: a figure in
// the savings currency.
func priced(f cloudscope.Finding) bool {
	s := f.Savings
	return s != nil && s.Monthly != nil && s.Currency == cloudscope.SavingsCurrency
}

// covered reports whether another finding on the same resource carries
// f's saving: the ledger counts a resource once, under the covering finding.
func covered(f cloudscope.Finding) bool { return f.Savings != nil && f.Savings.CoveredBy != "" }

// resourceKey names the resource a finding is about.
func resourceKey(account string, t cloudscope.ResourceType, region, id string) string {
	return strings.Join([]string{account, string(t), region, id}, "\x00")
}

// Change is what one round changed in the ledger.
type Change struct {
	Opened, Resolved, Reopened, Replaced []Entry
	// Realized is the monthly saving of the findings resolved.
	Realized cloudscope.Amount
}

// Record brings the ledger of account's partition up to date with round r:
// a priced finding of the previous scan (or open in the ledger) that is
// gone where r read everything resolves (or, when another waste finding
// now fires on its resource, is replaced); a resolved one that fires again
// reopens; a new priced finding opens. Recording one round twice (a retried
// finalize) changes nothing the second time.
func (l *Ledger) Record(ctx context.Context, account string, r Round) (*Change, error) {
	part := kv.Scope(account, Kind)
	entries := map[string]*Entry{}
	since, err := l.load(ctx, account, func(key string, e Entry) error {
		entries[key] = &e
		return nil
	})
	if err != nil {
		return nil, err
	}
	at := r.At.UTC()
	change := &Change{}
	var writes []*Entry
	var deletes []string

	now := map[string]bool{}
	waste := map[string]string{} // resource -> a waste finding on it now
	for _, f := range r.Findings {
		now[entryKey(f.AccountID, f.ID)] = true
		if f.Savings != nil {
			rk := resourceKey(f.AccountID, f.ResourceType, f.Region, f.ResourceID)
			if _, ok := waste[rk]; !ok || (!covered(f) && priced(f)) {
				waste[rk] = f.ID
			}
		}
	}
	before := map[string]cloudscope.Finding{}
	for _, f := range r.Previous {
		before[entryKey(f.AccountID, f.ID)] = f
	}

	for _, f := range r.Findings {
		k := entryKey(f.AccountID, f.ID)
		e := entries[k]
		switch {
		case covered(f):
			if e != nil && e.State == Open { // its saving counts under the covering finding now
				deletes = append(deletes, k)
				delete(entries, k)
			}
		case e == nil:
			if !priced(f) {
				continue
			}
			first := at
			if _, ok := before[k]; ok && !r.PreviousAt.IsZero() {
				first = r.PreviousAt.UTC()
			}
			e = entryOf(f)
			e.State, e.FirstSeen, e.LastSeen = Open, first, at
			entries[k] = e
			writes = append(writes, e)
			change.Opened = append(change.Opened, *e)
		case e.State != Open: // it came back: it no longer counts as saved
			wasResolved := e.State == Resolved
			refresh(e, f)
			e.State, e.LastSeen, e.ResolvedAt, e.ResolvedScan, e.ReplacedBy = Open, at, nil, "", ""
			e.ReopenedAt = &at
			e.Reopens++
			writes = append(writes, e)
			if wasResolved {
				change.Reopened = append(change.Reopened, *e)
			}
		case priced(f) && (e.Monthly.Cmp(*f.Savings.Monthly) != 0 || e.Estimate != f.Savings.Estimate):
			refresh(e, f)
			e.LastSeen = at
			writes = append(writes, e)
		}
	}

	// What may have resolved: the entries open in the ledger, and the
	// previous scan's priced findings it has not met yet.
	for k, f := range before {
		if _, ok := entries[k]; !ok && priced(f) && !covered(f) && !now[k] {
			e := entryOf(f)
			e.State, e.FirstSeen, e.LastSeen = Open, r.PreviousAt.UTC(), r.PreviousAt.UTC()
			entries[k] = e
		}
	}
	undecided := map[string]bool{}
	for _, u := range r.Read.Undecided {
		undecided[undecidedKey(u.AccountID, u.Rule, u.ResourceType, u.Region, u.ResourceID)] = true
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e := entries[k]
		if e.State != Open || now[k] || !r.Read.covers(e.AccountID, e.Region, undecided, e.Rule, e.ResourceType, e.ResourceID) {
			continue
		}
		if _, ok := before[k]; ok && r.PreviousAt.After(e.LastSeen) {
			e.LastSeen = r.PreviousAt.UTC()
		}
		e.ResolvedAt, e.ResolvedScan = &at, r.Scan
		if other, ok := waste[resourceKey(e.AccountID, e.ResourceType, e.Region, e.ResourceID)]; ok {
			e.State, e.ReplacedBy = Replaced, other
			change.Replaced = append(change.Replaced, *e)
		} else {
			e.State = Resolved
			change.Resolved = append(change.Resolved, *e)
			change.Realized = change.Realized.Add(e.Monthly)
		}
		writes = append(writes, e)
	}

	items := make([]kv.Item, 0, len(writes)+1)
	if since.IsZero() {
		b, _ := json.Marshal(meta{Since: at})
		items = append(items, kv.Item{Key: kv.Key{Partition: part, Sort: metaKey}, Value: b})
	}
	for _, e := range writes {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", e.FindingID, err)
		}
		items = append(items, kv.Item{Key: kv.Key{Partition: part, Sort: entryKey(e.AccountID, e.FindingID)}, Value: b})
	}
	if len(items) > 0 {
		if err := l.store.PutBatch(ctx, items); err != nil {
			return nil, fmt.Errorf("write the ledger: %w", err)
		}
	}
	for _, k := range deletes {
		if err := l.store.Delete(ctx, kv.Key{Partition: part, Sort: k}); err != nil {
			return nil, fmt.Errorf("write the ledger: %w", err)
		}
	}
	return change, nil
}

// entryOf is a new entry for f, with its saving.
func entryOf(f cloudscope.Finding) *Entry {
	e := &Entry{FindingID: f.ID, AccountID: f.AccountID}
	refresh(e, f)
	return e
}

// refresh copies what f says now into e: its names and, when priced, its
// saving (a finding that has no figure this time keeps the last one).
func refresh(e *Entry, f cloudscope.Finding) {
	e.Rule, e.Title, e.Severity = f.Rule, f.Title, f.Severity
	e.ResourceType, e.ResourceID, e.ResourceName, e.Region = f.ResourceType, f.ResourceID, f.ResourceName, f.Region
	if priced(f) {
		e.Monthly, e.Currency, e.Estimate = *f.Savings.Monthly, f.Savings.Currency, f.Savings.Estimate
	}
}

// load reads every entry of account's ledger, in key order, and since when
// it counts (zero before its first round).
func (l *Ledger) load(ctx context.Context, account string, fn func(key string, e Entry) error) (time.Time, error) {
	var since time.Time
	err := l.store.Query(ctx, kv.Scope(account, Kind), "", "", 0, func(it kv.Item) error {
		if it.Key.Sort == metaKey {
			var m meta
			if err := json.Unmarshal(it.Value, &m); err != nil {
				return fmt.Errorf("the ledger's meta item: %w", err)
			}
			since = m.Since
			return nil
		}
		if !strings.HasPrefix(it.Key.Sort, entryPrefix) {
			return nil
		}
		var e Entry
		if err := json.Unmarshal(it.Value, &e); err != nil {
			return fmt.Errorf("entry %s: %w", it.Key.Sort, err)
		}
		return fn(it.Key.Sort, e)
	})
	if err != nil && !errors.Is(err, kv.ErrStop) {
		return time.Time{}, fmt.Errorf("read the ledger: %w", err)
	}
	return since, nil
}
