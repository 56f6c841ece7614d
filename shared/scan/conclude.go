package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
)

// The end of every scan, whatever its accounts: the one-scan-at-a-time
// lease and the status around the work (leased, runWith; hold and release
// when the work spans processes, as on Step Functions), then the
// conclusion: the snapshot stored once, the ledger of savings, the spend
// anomalies and the notification (conclude).

// work is the work of a scan that runWith wraps: it reports its steps
// through report and returns the finished snapshot's result.
type work func(ctx context.Context, t *tracker, report func(Progress)) (*Result, error)

// runWith runs w as scan id in this process (Engine.Scan): a scan id
// already stored (not failed) runs nothing and finishes its pending
// notification; another scan's lease makes it return *ErrScanRunning; the
// status is kept in the store as work reports; the lease is released at the
// end. It needs a Store.
func (s *Scanner) runWith(ctx context.Context, id string, w work) (*Result, error) {
	if s.d.Store == nil {
		return nil, errors.New("scan: a scan run with runWith needs a store")
	}
	return s.leased(ctx, id, func(t *tracker) (*Result, error) {
		return w(ctx, t, func(p Progress) { s.report(ctx, t, p) })
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

// conclude stores a finished snapshot through save and sends its
// notification, the end of every scan (its finalize): a failed snapshot is saved for inspection
// only (and the error says so); otherwise what is new or worse than in the
// latest stored snapshot is marked pending, what resolved and reopened
// since is recorded in the ledger of accounts (when one is set), the
// snapshot is saved, the spend anomalies of rep (AnomalyQuery's answer;
// nil: none) are found, and the notification claimed and published (a
// publish that fails stays pending for the next scan). save returning
// cloudscope.ErrSnapshotExists (another delivery stored it) makes the
// result a duplicate. snap.Resources may be empty (a scan's resources
// live in its parts): only findings are compared. t, when set, hears the
// steps.
func (s *Scanner) conclude(ctx context.Context, t *tracker, snap *cloudscope.Snapshot, save func(context.Context, *cloudscope.Snapshot) error,
	rep *costquery.Report, accounts []string) (*Result, error) {
	if snap.Failed() {
		s.report(ctx, t, Progress{Step: "store", Detail: fmt.Sprintf("snapshot %s, failed at %s: kept for inspection only", snap.ID, snap.FailedStep)})
		if err := save(ctx, snap); err != nil {
			return nil, fmt.Errorf("store snapshot: %w", err)
		}
		t.step(snap.FailedStep)
		return &Result{Snapshot: snap}, failedError(snap)
	}
	prev, err := s.d.Store.LatestFindings(ctx) // findings only: its resources are not compared
	if err != nil {
		return nil, err
	}
	n := s.pending(prev, snap)
	s.settle(ctx, prev, snap, accounts)
	s.report(ctx, t, Progress{Step: "store", Detail: fmt.Sprintf("snapshot %s", snap.ID)})
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
	told := s.anomalies(ctx, t, snap, rep)
	if n == nil {
		return &Result{Snapshot: snap}, s.tellAnomalies(ctx, snap, told)
	}
	n.anomalies = told
	if err := s.notify(ctx, t, n); err != nil {
		return nil, err
	}
	return &Result{Snapshot: snap}, nil
}

// StateMachineLeaseDuration is how long a scan on Step Functions holds
// the one-scan lease: its plan takes it and its finalize ends it, in other
// processes; a run that dies between them frees it after this. It is also
// the state machine's timeout (the infrastructure reads it from here): a
// lease shorter than the longest execution would let a second scan start
// beside a slow first one.
const StateMachineLeaseDuration = 12 * time.Hour

// hold makes scan id the one running scan for ttl, as runWith's lease does,
// across processes (a scan's plan takes it; id may take it again),
// and records the scan running at step. Another scan's lease makes it
// return *ErrScanRunning. Without a store it holds nothing.
func (s *Scanner) hold(ctx context.Context, id, step string, ttl time.Duration) error {
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

// stored reports whether scan id is stored, and not as a failed scan
// (false without a store).
func (s *Scanner) stored(ctx context.Context, id string) (bool, error) {
	if s.d.Store == nil {
		return false, nil
	}
	prev, err := s.d.Store.Findings(ctx, id)
	if err != nil {
		return false, err
	}
	return prev != nil && !prev.Failed(), nil
}

// release ends scan id's lease (taken by hold) and records how the scan
// ended: done, or failed at step with the kind of err.
func (s *Scanner) release(ctx context.Context, id, step string, scanErr error) error {
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
