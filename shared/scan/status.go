package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
)

// statusEvery spaces the status writes of a running scan: the page asks
// every 2 seconds, and each write is a round trip the scan waits for.
const statusEvery = time.Second

// tracker keeps a scan's status in the store as it goes, and renews the
// scan's lease. Writing either is best effort: a scan never fails because
// its status could not be written. A nil tracker (a scan without a store)
// records nothing.
type tracker struct {
	store   Store
	now     func() time.Time
	status  cloudscope.ScanStatus
	written time.Time // when the status was last written
	leased  time.Time // when the lease was last renewed
	// anomalyReport is the scan's 8-week cost report, for the anomalies
	// evaluated once the snapshot is stored.
	anomalyReport *costquery.Report
}

// track starts the stored status of scan id (running); nil without a store.
func (s *Scanner) track(ctx context.Context, id string) *tracker {
	if s.d.Store == nil {
		return nil
	}
	now := s.d.Now().UTC()
	t := &tracker{store: s.d.Store, now: s.d.Now, status: cloudscope.ScanStatus{ID: id, State: cloudscope.StateRunning, StartedAt: now}, leased: now}
	t.save(ctx, true)
	return t
}

// report tells the command's progress callback and the stored status.
func (s *Scanner) report(ctx context.Context, t *tracker, p Progress) {
	s.d.Progress(p)
	if t == nil {
		return
	}
	t.status.Step, t.status.Detail = p.Step, p.Detail
	if p.Regions > 0 {
		t.status.RegionsDone, t.status.Regions = p.RegionsDone, p.Regions
	}
	if p.Shards != nil {
		sh := *p.Shards
		t.status.Shards = &sh
	}
	t.save(ctx, false)
}

// step names the step a failure is to be blamed on.
func (t *tracker) step(name string) {
	if t != nil {
		t.status.Step = name
	}
}

func (t *tracker) finish(ctx context.Context, err error) {
	if t == nil {
		return
	}
	t.status.State = cloudscope.StateDone
	if err != nil {
		t.status.State = cloudscope.StateFailed
		why := string(cloudscope.CodeOf(err))
		if errors.Is(err, context.DeadlineExceeded) {
			why = "it ran out of time"
		}
		t.status.Error = fmt.Sprintf("the scan failed at step %q: %s", t.status.Step, why)
	}
	t.save(ctx, true)
}

// save writes the status: always when final (the first and the last
// word), otherwise at most once every statusEvery.
func (t *tracker) save(ctx context.Context, final bool) {
	now := t.now().UTC()
	if !final && now.Sub(t.written) < statusEvery {
		return
	}
	t.written = now
	t.status.UpdatedAt = now
	if t.status.State == cloudscope.StateRunning && now.Sub(t.leased) > LeaseDuration/5 {
		t.leased = now
		_, _ = t.store.AcquireScanLease(ctx, t.status.ID, LeaseDuration)
	}
	// The last word must be written even when the scan's own time is up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = t.store.SetStatus(ctx, t.status)
}
