package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Scan states, as GET /scans/{id} reports them.
const (
	StateQueued  = "queued"  // asked for; the scan has not begun
	StateRunning = "running" // see Step and the regions done
	StateFailed  = "failed"  // it stopped; Error says where and why
	StateDone    = "done"    // its snapshot is stored
)

// StatusRetention is how long a scan's status is kept.
const StatusRetention = 24 * time.Hour

// Status is how one scan is going: stored as it runs, so that whoever
// started it (the page's "Scan now") can follow it, and learn of a failure
// instead of waiting for a snapshot that never comes.
type Status struct {
	ID          string    `json:"scan_id"`
	State       string    `json:"state"`
	Step        string    `json:"step,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	RegionsDone int       `json:"regions_done"`
	Regions     int       `json:"regions"`
	StartedAt   time.Time `json:"started_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Error names the step and the kind of failure, never AWS's own words
	// (those go to the log).
	Error string `json:"error,omitempty"`
}

type trackerKey struct{}

// statusEvery spaces the status writes of a running scan: the page asks
// every 2 seconds, and each write is a round trip the scan waits for.
const statusEvery = time.Second

// tracker keeps a scan's Status in the store as it goes. Writing it is best
// effort: a scan never fails because its status could not be written.
type tracker struct {
	store   Store
	now     func() time.Time
	status  Status
	written time.Time // when the status was last written
}

func (s *Scanner) track(ctx context.Context, id string) (context.Context, *tracker) {
	if s.d.Store == nil {
		return ctx, nil
	}
	now := s.d.Now().UTC()
	t := &tracker{store: s.d.Store, now: s.d.Now, status: Status{ID: id, State: StateRunning, StartedAt: now}}
	t.save(ctx, true)
	return context.WithValue(ctx, trackerKey{}, t), t
}

// report tells the command's progress callback and the stored status.
func (s *Scanner) report(ctx context.Context, p Progress) {
	s.d.Progress(p)
	if t, ok := ctx.Value(trackerKey{}).(*tracker); ok {
		t.status.Step, t.status.Detail = p.Step, p.Detail
		if p.Of > 0 {
			t.status.RegionsDone, t.status.Regions = p.Regions, p.Of
		}
		t.save(ctx, false)
	}
}

func (t *tracker) finish(ctx context.Context, err error) {
	if t == nil {
		return
	}
	t.status.State = StateDone
	if err != nil {
		t.status.State = StateFailed
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
