package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// chainAccount is an account of five regions whose Discover waits for the
// cost report to start, and whose Fetch counts the regions read at once.
type chainAccount struct {
	account
	costStarted      chan struct{}
	once             sync.Once
	inFlight, peak   atomic.Int32
	discoverAfterCE  bool
	metricsRequested int64
}

func (a *chainAccount) Discover(ctx context.Context, q discovery.Query) (*discovery.Inventory, error) {
	select {
	case <-a.costStarted:
		a.discoverAfterCE = true
	case <-time.After(2 * time.Second): // Cost Explorer waits for discovery: do not hang the test
	}
	return a.account.Discover(ctx, q)
}

func (a *chainAccount) Report(ctx context.Context, q costs.Query) (*costs.Report, error) {
	a.once.Do(func() { close(a.costStarted) })
	return a.account.Report(ctx, q)
}

func (a *chainAccount) Fetch(ctx context.Context, r metrics.Request) (*metrics.Result, error) {
	n := a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	for p := a.peak.Load(); n > p && !a.peak.CompareAndSwap(p, n); p = a.peak.Load() {
	}
	time.Sleep(100 * time.Millisecond)
	res, err := a.account.Fetch(ctx, r)
	if res != nil {
		res.MetricsRequested = a.metricsRequested
	}
	return res, err
}

// TestCostsBesideDiscoveryAndRegionsTogether: Cost Explorer starts before
// discovery ends; the regions' metrics are read RegionsAtOnce at a time;
// the findings and undecided rules come out in the order a region-by-region
// scan gave; the bill prices what was counted.
func TestCostsBesideDiscoveryAndRegionsTogether(t *testing.T) {
	regions := []string{"ap-southeast-2", "eu-west-1", "sa-east-1", "us-east-1", "us-west-2"}
	acct := &chainAccount{costStarted: make(chan struct{}), metricsRequested: 1000}
	acct.cpu = map[string]float64{}
	for _, r := range regions {
		hot, idle := instance("i-hot-"+r), instance("i-new-"+r)
		hot.Region, idle.Region = r, r
		acct.resources = append(acct.resources, hot, idle)
		acct.cpu[hot.ID] = 95
	}
	// No series for i-new-*: undecided, in region order.
	fetch := acct.Fetch
	s := New(Deps{Discovery: acct, Metrics: metricsFunc(func(ctx context.Context, r metrics.Request) (*metrics.Result, error) {
		res, err := fetch(ctx, r)
		if res != nil {
			res.Resources = slices.DeleteFunc(res.Resources, func(rm cloudscope.ResourceMetrics) bool { return rm.ID[:5] == "i-new" })
		}
		return res, err
	}), Costs: acct, Thresholds: bottleneck.Defaults, Now: func() time.Time { return now }})
	start := time.Now()
	snap, err := s.Evaluate(context.Background(), "chain", nil)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if !acct.discoverAfterCE {
		t.Error("discovery ended before Cost Explorer was asked: the cost summary waits for it")
	}
	if p := acct.peak.Load(); p != RegionsAtOnce {
		t.Errorf("%d regions' metrics read at once, want %d", p, RegionsAtOnce)
	}
	// Five regions, three at once: two waves of 100 ms, not five.
	if took > 450*time.Millisecond {
		t.Errorf("five regions took %s at 100 ms each: read one after another", took)
	}
	hot := map[string]bool{}
	for _, f := range snap.Findings {
		hot[f.ResourceID] = true
	}
	if len(hot) != 5 || !hot["i-hot-sa-east-1"] || len(snap.Insufficient) == 0 {
		t.Fatalf("findings on %v, %d undecided; want the five hot instances", hot, len(snap.Insufficient))
	}
	for _, in := range snap.Insufficient {
		if in.ResourceID[:5] != "i-new" {
			t.Errorf("%s undecided", in.ResourceID)
		}
	}
	if !slices.IsSortedFunc(snap.Insufficient, func(a, b cloudscope.Insufficient) int { return compareStrings(a.Region, b.Region) }) {
		t.Errorf("undecided rules out of region order")
	}
	if snap.Calls["cloudwatch:GetMetricData"] != 5 || snap.Calls["ce:GetCostAndUsage"] != 1 {
		t.Errorf("calls %v", snap.Calls)
	}
	b := snap.Bill
	if b == nil {
		t.Fatal("no bill")
	}
	// 1 Cost Explorer request (0.01) + 5 x 1,000 metrics (0.05); discovery free.
	if b.Total.String() != "0.06" || b.Units(bill.GetMetricData) != 5000 || b.Units(bill.CostExplorer) != 1 || b.Units("discovery") != 4 {
		t.Errorf("bill %s: %+v", b.Total, b.Items)
	}
}

type metricsFunc func(ctx context.Context, r metrics.Request) (*metrics.Result, error)

func (f metricsFunc) Fetch(ctx context.Context, r metrics.Request) (*metrics.Result, error) {
	return f(ctx, r)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestEachAtOnce: every item read under the bound and used one at a time;
// a cancelled context stops it with the context's error.
func TestEachAtOnce(t *testing.T) {
	items := make([]int, 20)
	for i := range items {
		items[i] = i
	}
	var inFlight, peak atomic.Int32
	var using atomic.Int32
	var used []int
	err := eachAtOnce(context.Background(), items, 4, 100, func(int) int { return 1 }, func(ctx context.Context, i int) string {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(10 * time.Millisecond)
		return fmt.Sprint(i)
	}, func(i int, r string) {
		if using.Add(1) != 1 {
			t.Error("two uses at once")
		}
		defer using.Add(-1)
		if r != fmt.Sprint(i) {
			t.Errorf("item %d got %q", i, r)
		}
		used = append(used, i)
	})
	if err != nil || len(used) != 20 {
		t.Fatalf("%v, %d used", err, len(used))
	}
	if p := peak.Load(); p != 4 {
		t.Errorf("%d reads at once, want the bound 4", p)
	}
	slices.Sort(used)
	if !slices.Equal(used, items) {
		t.Errorf("used %v", used)
	}

	ctx, cancel := context.WithCancel(context.Background())
	err = eachAtOnce(ctx, items, 2, 100, func(int) int { return 1 }, func(ctx context.Context, i int) int {
		if i == 3 {
			cancel()
		}
		return i
	}, func(int, int) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestEachAtOnceHoldsAtMostCapacity: items weigh what their series would;
// the ones read and not yet used never weigh more than the capacity, and an
// item heavier than it is read alone.
func TestEachAtOnceHoldsAtMostCapacity(t *testing.T) {
	weights := []int{1000, 1000, 1000, 2500, 5000, 500, 500, 500, 500}
	var mu sync.Mutex
	held, peak, alone := 0, 0, true
	err := eachAtOnce(context.Background(), weights, 3, 2500, func(w int) int { return w }, func(ctx context.Context, w int) int {
		mu.Lock()
		held += min(w, 2500)
		peak = max(peak, held)
		if w > 2500 && held != 2500 {
			alone = false
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		return w
	}, func(w, _ int) {
		mu.Lock()
		held -= min(w, 2500)
		mu.Unlock()
	})
	if err != nil || peak != 2500 || !alone {
		t.Errorf("err %v, peak weight %d (want 2,500), the heavy item alone: %v", err, peak, alone)
	}
}

// TestBesideRunsAtOnce: beside starts its work before wait is called.
func TestBesideRunsAtOnce(t *testing.T) {
	started := make(chan struct{})
	wait := beside(func() int { close(started); return 7 })
	select {
	case <-started:
	case <-time.After(2 * time.Second):
		t.Fatal("not started before wait")
	}
	if wait() != 7 || wait() != 7 {
		t.Error("wrong result")
	}
}
