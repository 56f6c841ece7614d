package metrics

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// slowCloudWatch is the fake, each call taking a moment (so that askers
// arrive while it is in flight), counting GetMetricData calls.
func slowCloudWatch(calls *atomic.Int64, fail *atomic.Bool) func(string) CloudWatchAPI {
	fake := &fakeCloudWatch{}
	return stubClient(func(ctx context.Context, c awsstub.Call) (any, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		if fail != nil && fail.Load() {
			return nil, awsstub.APIError("Throttling", "Rate exceeded")
		}
		return fake.handle(ctx, c)
	})
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func chart(end time.Time) metricquery.Request {
	return metricquery.Request{Region: "us-east-1", Targets: []metricquery.Target{{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", InstanceType: "m5.large"}},
		Window: metricquery.Grid{Start: now.Add(-24 * time.Hour), End: end, Period: 300}, Stats: []string{"Average"}}
}

// Fifty viewers of one chart, asking within one 5-minute period, make one
// GetMetricData call and all get its series.
func TestCoalescedIdenticalQuestionsShareOneCall(t *testing.T) {
	var calls atomic.Int64
	clock := &testClock{t: now.Add(30 * time.Second)}
	c := metricquery.Coalesce(New(slowCloudWatch(&calls, nil), metricquery.Options{}), clock.now)
	var wg sync.WaitGroup
	results := make([]*metricquery.Result, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() {
			// The ends differ by seconds (each viewer's "now"), in one period.
			results[i], errs[i] = c.Fetch(context.Background(), chart(now.Add(time.Duration(i%20)*time.Second)))
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("50 identical questions made %d GetMetricData calls, want 1", calls.Load())
	}
	var counted int64
	for i, r := range results {
		if errs[i] != nil || r == nil || len(r.Resources) != 1 || len(r.Resources[0].Metrics) == 0 {
			t.Fatalf("viewer %d: %+v %v", i, r, errs[i])
		}
		if got, want := r.Resources[0].Metrics[0].Stats["Average"], results[0].Resources[0].Metrics[0].Stats["Average"]; len(got) == 0 || got[0] != want[0] {
			t.Errorf("viewer %d got another series", i)
		}
		counted += r.Calls
	}
	if counted != 1 {
		t.Errorf("the answers count %d calls between them, want 1 (the one made)", counted)
	}
	// Still within the period and MaxReuse: kept.
	clock.advance(20 * time.Second)
	if _, err := c.Fetch(context.Background(), chart(now.Add(50*time.Second))); err != nil || calls.Load() != 1 {
		t.Errorf("within the period: %d calls, %v; want the kept answer", calls.Load(), err)
	}
	// The next period has begun: a new point is due, so it reads again.
	clock.advance(4*time.Minute + 40*time.Second)
	if _, err := c.Fetch(context.Background(), chart(now.Add(5*time.Minute+30*time.Second))); err != nil || calls.Load() != 2 {
		t.Errorf("the next period: %d calls, %v; want 2", calls.Load(), err)
	}
}

func TestCoalescedDifferentQuestionsDoNotShare(t *testing.T) {
	var calls atomic.Int64
	clock := &testClock{t: now}
	c := metricquery.Coalesce(New(slowCloudWatch(&calls, nil), metricquery.Options{}), clock.now)
	base := chart(now)
	otherRegion, otherStat, otherTarget, otherStart, otherPeriod, otherAccount := base, base, base, base, base, base
	otherRegion.Region = "eu-west-1"
	otherStat.Stats = []string{"Maximum"}
	otherTarget.Targets = []metricquery.Target{{Type: cloudscope.EC2, ID: "i-0fedcba9876543210", InstanceType: "m5.large"}}
	otherStart.Window.Start = now.Add(-48 * time.Hour)
	otherPeriod.Window.Period = 3600
	otherAccount.Account = "123456789012"
	qs := []metricquery.Request{base, otherRegion, otherStat, otherTarget, otherStart, otherPeriod, otherAccount}
	var wg sync.WaitGroup
	for _, q := range qs {
		for range 5 {
			wg.Go(func() {
				if _, err := c.Fetch(context.Background(), q); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if calls.Load() != int64(len(qs)) {
		t.Errorf("%d different questions, 5 askers each, made %d calls; want one each", len(qs), calls.Load())
	}
}

// A window in the past is kept MaxReuse at most; a failure is never kept.
func TestCoalescedAnswersExpireAndFailuresAreNotKept(t *testing.T) {
	var calls atomic.Int64
	var fail atomic.Bool
	clock := &testClock{t: now.Add(72 * time.Hour)}
	c := metricquery.Coalesce(New(slowCloudWatch(&calls, &fail), metricquery.Options{}), clock.now)
	past := chart(now)
	for range 2 {
		if _, err := c.Fetch(context.Background(), past); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("a past window asked twice: %d calls, want 1", calls.Load())
	}
	clock.advance(metricquery.MaxReuse)
	if _, err := c.Fetch(context.Background(), past); err != nil || calls.Load() != 2 {
		t.Errorf("after MaxReuse: %d calls, %v; want a new read", calls.Load(), err)
	}
	fail.Store(true)
	other := past
	other.Region = "eu-west-1"
	if _, err := c.Fetch(context.Background(), other); err == nil {
		t.Fatal("a failing read answered")
	}
	fail.Store(false)
	before := calls.Load()
	if _, err := c.Fetch(context.Background(), other); err != nil || calls.Load() == before {
		t.Errorf("after a failure: %d calls, %v; want the question read again", calls.Load()-before, err)
	}
}
