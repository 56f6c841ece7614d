package metricquery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// MaxReuse bounds how long a coalesced answer serves identical questions.
const MaxReuse = time.Minute

// maxAnswers bounds the answers kept at once (each lives MaxReuse at most).
const maxAnswers = 512

// Coalesced answers identical questions together, for the live /metrics
// route: fifty people on one chart ask CloudWatch once. Identical means the
// same account, region, targets, statistics, metrics, period and start,
// and an end in the same period: CloudWatch gives one datapoint per period,
// so two such questions differ at most in the last, still-filling point.
// Questions in flight share one Fetch (its GetMetricData calls); its answer
// then serves until the period after its end begins (when a new point is
// due) and never longer than MaxReuse, so that a window in the past, or of
// daily periods, is still read again within a minute (late datapoints, and
// a chart that refreshes stays fresh). Errors are never kept. It is safe for
// concurrent use.
type Coalesced struct {
	inner interface {
		Fetch(ctx context.Context, req Request) (*Result, error)
	}
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	answers map[string]keptAnswer
}

type keptAnswer struct {
	res   *Result
	until time.Time
}

// Coalesce wraps inner (a Fetcher); now is the clock (nil: time.Now).
func Coalesce(inner interface {
	Fetch(ctx context.Context, req Request) (*Result, error)
}, now func() time.Time) *Coalesced {
	if now == nil {
		now = time.Now
	}
	return &Coalesced{inner: inner, now: now, answers: map[string]keptAnswer{}}
}

// questionKey is a request's identity: its window's end counted by period.
func questionKey(req Request) string {
	end := req.Window.End.UTC()
	if p := time.Duration(req.Window.Period) * time.Second; p > 0 {
		end = end.Truncate(p)
	}
	return fmt.Sprintf("%s|%s|%v|%v|%v|%d|%d|%d", req.Account, req.Region, req.Targets, req.Stats, req.Metrics,
		req.Window.Period, req.Window.Start.UTC().Unix(), end.Unix())
}

// Fetch answers req: kept, shared with an identical question in flight, or
// read now. An answer that was kept or shared says it made no calls.
func (c *Coalesced) Fetch(ctx context.Context, req Request) (*Result, error) {
	k := questionKey(req)
	if res := c.kept(k); res != nil {
		return res, nil
	}
	read := false // this caller's function made the read
	v, err, _ := c.group.Do(k, func() (any, error) {
		if res := c.kept(k); res != nil {
			return res, nil
		}
		read = true
		// The read outlives any one caller: others share it.
		res, err := c.inner.Fetch(context.WithoutCancel(ctx), req)
		if err != nil {
			return nil, err
		}
		c.keep(k, req.Window, res)
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	res := v.(*Result)
	if !read {
		res = reused(res)
	}
	return res, nil
}

// reused is res as another asker sees it: the same series, no calls made.
func reused(res *Result) *Result {
	r := *res
	r.Calls, r.MetricsRequested = 0, 0
	return &r
}

func (c *Coalesced) kept(k string) *Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.answers[k]; ok && c.now().Before(a.until) {
		return reused(a.res)
	}
	return nil
}

func (c *Coalesced) keep(k string, w Grid, res *Result) {
	now := c.now()
	until := now.Add(MaxReuse)
	if p := time.Duration(w.Period) * time.Second; p > 0 {
		// A window ending in the current period: until the next begins.
		if next := w.End.Truncate(p).Add(p); next.After(now) && next.Before(until) {
			until = next
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, a := range c.answers { // drop what has expired
		if !now.Before(a.until) {
			delete(c.answers, key)
		}
	}
	if now.Before(until) && len(c.answers) < maxAnswers {
		c.answers[k] = keptAnswer{res: res, until: until}
	}
}
