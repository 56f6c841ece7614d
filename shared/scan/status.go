package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

type trackerKey struct{}

// statusEvery spaces the status writes of a running scan: the page asks
// every 2 seconds, and each write is a round trip the scan waits for.
const statusEvery = time.Second

// tracker keeps a scan's Status in the store as it goes. Writing it is best
// effort: a scan never fails because its status could not be written.
type tracker struct {
	store   Store
	now     func() time.Time
	status  cloudscope.ScanStatus
	written time.Time // when the status was last written
}

func (s *Scanner) track(ctx context.Context, id string) (context.Context, *tracker) {
	if s.d.Store == nil {
		return ctx, nil
	}
	now := s.d.Now().UTC()
	t := &tracker{store: s.d.Store, now: s.d.Now, status: cloudscope.ScanStatus{ID: id, State: cloudscope.StateRunning, StartedAt: now}}
	t.save(ctx, true)
	return context.WithValue(ctx, trackerKey{}, t), t
}

// report tells the command's progress callback and the stored status.
func (s *Scanner) report(ctx context.Context, p Progress) {
	s.d.Progress(p)
	if t, ok := ctx.Value(trackerKey{}).(*tracker); ok {
		t.status.Step, t.status.Detail = p.Step, p.Detail
		if p.Regions > 0 {
			t.status.RegionsDone, t.status.Regions = p.RegionsDone, p.Regions
		}
		t.save(ctx, false)
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
	// The last word must be written even when the scan's own time is up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = t.store.SetStatus(ctx, t.status)
}
