package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// The pieces of a scan that a sharded scan (shared/shard) runs too: which
// metrics the rules read, which resources they judge by metrics, the
// window, the judging, the account on every record, and the lease, status,
// store-once and notification of a whole scan around the work.

// RuleMetrics are the metrics the rules read: a scan fetches only these.
func RuleMetrics() []string { return slices.Clone(ruleMetrics) }

// Target is the metrics target of a resource the rules judge by its
// metrics; false for one they judge without.
func Target(r cloudscope.Resource) (metrics.Target, bool) { return target(r) }

// MetricsWindow is the window a scan started at reads: Days of hourly
// points ending at the last whole hour.
func MetricsWindow(started time.Time) metrics.Window {
	return metrics.Trailing(started.Truncate(time.Hour), Days, 3600)
}

// SeriesKey is how Judge finds a resource's series.
func SeriesKey(rm *cloudscope.ResourceMetrics) string { return string(rm.Type) + "/" + rm.ID }

// Attribute gives the findings and undecided rules of account their
// account id (when they have none); a finding's id then names the account
// too ("<rule>/<type>/<account>/<region>/<id>"), so that two accounts'
// findings on same-named resources never share an id. A saving covered by
// another's (Savings.CoveredBy) follows its new id.
func Attribute(account string, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) {
	if account == "" {
		return
	}
	renamed := map[string]string{}
	for i := range findings {
		f := &findings[i]
		if f.AccountID == "" {
			f.AccountID = account
		}
		id := FindingID(f.Rule, *f)
		renamed[f.ID], f.ID = id, id
	}
	cloudscope.RenameCovers(findings, renamed)
	for i := range insufficient {
		if insufficient[i].AccountID == "" {
			insufficient[i].AccountID = account
		}
	}
}

// FindingID is a finding's stable id: rule, type, account (when known),
// region and resource.
func FindingID(rule string, f cloudscope.Finding) string {
	return bottleneck.FindingID(rule, f.ResourceType, f.AccountID, f.Region, f.ResourceID)
}

// identity is the account a one-account scan reads, asked once (again
// after a failure).
type identity struct {
	lookup func(ctx context.Context) (string, error)
	mu     sync.Mutex
	id     string
}

// get is the account id, or "" when it cannot be known (a nil identity too).
func (i *identity) get(ctx context.Context) string {
	if i == nil {
		return ""
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.id == "" {
		if id, err := i.lookup(ctx); err == nil {
			i.id = id
		}
	}
	return i.id
}

// accountDiscovery gives every resource and failure discovery returns the
// account id of the one account it reads (accounts=self).
type accountDiscovery struct {
	inner interface {
		Discover(ctx context.Context, q discovery.Query) (*discovery.Inventory, error)
	}
	who *identity
}

func (a accountDiscovery) Discover(ctx context.Context, q discovery.Query) (*discovery.Inventory, error) {
	inv, err := a.inner.Discover(ctx, q)
	if err != nil {
		return nil, err
	}
	account := a.who.get(ctx)
	for i := range inv.Resources {
		inv.Resources[i].AccountID = account
	}
	for i := range inv.Errors {
		inv.Errors[i].AccountID = account
	}
	return inv, nil
}

// Work is the work of a scan that RunWith wraps: it reports its steps
// through report and returns the finished snapshot's result.
type Work func(ctx context.Context, report func(Progress)) (*Result, error)

// RunWith runs work as scan id, as Run runs a one-process scan: a scan id
// already stored (not failed) runs nothing and finishes its pending
// notification; another scan's lease makes it return *ErrScanRunning; the
// status is kept in the store as work reports; the lease is released at the
// end. It needs a Store.
func (s *Scanner) RunWith(ctx context.Context, id string, work Work) (*Result, error) {
	if s.d.Store == nil {
		return nil, errors.New("scan: a scan run with RunWith needs a store")
	}
	return s.leased(ctx, id, func(t *tracker) (*Result, error) {
		return work(ctx, func(p Progress) { s.report(ctx, t, p) })
	})
}

// leased runs fn under scan id's lease, with its status tracked.
func (s *Scanner) leased(ctx context.Context, id string, fn func(t *tracker) (*Result, error)) (*Result, error) {
	if prev, err := s.d.Store.Get(ctx, id); err != nil {
		return nil, err
	} else if prev != nil && !prev.Failed() {
		// A retried delivery: store nothing, but finish a notification the
		// first delivery stored and could not send.
		if prev.Notification == cloudscope.NotifyPending {
			n := &notification{snap: prev, findings: findingsByID(prev, prev.Notify)}
			if err := s.notify(ctx, nil, n); err != nil {
				return nil, err
			}
		}
		return &Result{Snapshot: prev, Duplicate: true}, nil
	}
	holder, err := s.d.Store.AcquireScanLease(ctx, id, LeaseDuration)
	if err != nil {
		return nil, err
	}
	if holder != "" {
		return nil, &ErrScanRunning{ID: holder}
	}
	defer func() { _ = s.d.Store.ReleaseScanLease(context.WithoutCancel(ctx), id) }()

	t := s.track(ctx, id)
	res, err := fn(t)
	t.finish(ctx, err)
	return res, err
}

// Conclude stores a finished snapshot through save and sends its
// notification, as a one-process scan does after its evaluation: a failed
// snapshot is saved for inspection only (and the error says so); otherwise
// what is new or worse than in the latest stored snapshot is marked
// pending, what resolved and reopened since is recorded in the ledger (when
// one is set), the snapshot is saved, and its notification claimed and
// published (a publish that fails stays pending for the next scan). save
// returning cloudscope.ErrSnapshotExists (another delivery stored it) makes
// the result a duplicate. snap.Resources may be empty (a sharded scan's live in
// its parts): only findings are compared.
func (s *Scanner) Conclude(ctx context.Context, snap *cloudscope.Snapshot, save func(context.Context, *cloudscope.Snapshot) error) (*Result, error) {
	return s.ConcludeWith(ctx, snap, save, nil)
}

// ConcludeWith is Conclude that then finds the spend anomalies of rep
// (AnomalyQuery's answer; nil: none) and tells the new confirmed ones
// with the findings.
func (s *Scanner) ConcludeWith(ctx context.Context, snap *cloudscope.Snapshot, save func(context.Context, *cloudscope.Snapshot) error, rep *costs.Report) (*Result, error) {
	if snap.Failed() {
		s.d.Progress(Progress{Step: "store", Detail: fmt.Sprintf("snapshot %s, failed at %s: kept for inspection only", snap.ID, snap.FailedStep)})
		if err := save(ctx, snap); err != nil {
			return nil, fmt.Errorf("store snapshot: %w", err)
		}
		return &Result{Snapshot: snap}, failedError(snap)
	}
	prev, err := s.d.Store.LatestFindings(ctx) // findings only: its resources are not compared
	if err != nil {
		return nil, err
	}
	n := s.pending(prev, snap)
	s.settle(ctx, prev, snap, ledger.AccountsOf(snap))
	s.d.Progress(Progress{Step: "store", Detail: fmt.Sprintf("snapshot %s", snap.ID)})
	if err := save(ctx, snap); err != nil {
		if errors.Is(err, cloudscope.ErrSnapshotExists) {
			stored, gerr := s.d.Store.Get(ctx, snap.ID)
			if gerr != nil {
				return nil, gerr
			}
			return &Result{Snapshot: stored, Duplicate: true}, nil
		}
		return nil, fmt.Errorf("store snapshot: %w", err)
	}
	told := s.anomalies(ctx, nil, snap, rep)
	if n == nil {
		return &Result{Snapshot: snap}, s.tellAnomalies(ctx, snap, told)
	}
	n.anomalies = told
	if err := s.notify(ctx, nil, n); err != nil {
		return nil, err
	}
	return &Result{Snapshot: snap}, nil
}

// ShardedLeaseDuration is how long a sharded scan on Step Functions holds
// the one-scan lease: its plan takes it and its finalize ends it, in other
// processes; a run that dies between them frees it after this. It is also
// the state machine's timeout (the infrastructure reads it from here): a
// lease shorter than the longest execution would let a second scan start
// beside a slow first one.
const ShardedLeaseDuration = 12 * time.Hour

// Hold makes scan id the one running scan for ttl, as Run's lease does,
// across processes (a sharded scan's plan takes it; id may take it again),
// and records the scan running at step. Another scan's lease makes it
// return *ErrScanRunning. Without a store it holds nothing.
func (s *Scanner) Hold(ctx context.Context, id, step string, ttl time.Duration) error {
	if s.d.Store == nil {
		return nil
	}
	holder, err := s.d.Store.AcquireScanLease(ctx, id, ttl)
	if err != nil {
		return err
	}
	if holder != "" {
		return &ErrScanRunning{ID: holder}
	}
	now := s.d.Now().UTC()
	st := cloudscope.ScanStatus{ID: id, State: cloudscope.StateRunning, Step: step, StartedAt: now, UpdatedAt: now}
	if prev, err := s.d.Store.Status(ctx, id); err == nil && prev != nil && !prev.StartedAt.IsZero() {
		st.StartedAt = prev.StartedAt
	}
	return s.d.Store.SetStatus(ctx, st)
}

// Release ends scan id's lease (taken by Hold) and records how the scan
// ended: done, or failed at step with the kind of err.
func (s *Scanner) Release(ctx context.Context, id, step string, scanErr error) error {
	if s.d.Store == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	t := &tracker{store: s.d.Store, now: s.d.Now, status: cloudscope.ScanStatus{ID: id, State: cloudscope.StateRunning, Step: step}}
	if prev, err := s.d.Store.Status(ctx, id); err == nil && prev != nil {
		t.status.StartedAt = prev.StartedAt
	}
	t.finish(ctx, scanErr)
	return s.d.Store.ReleaseScanLease(ctx, id)
}
