package scan

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// chainAccount is an account of five regions whose Discover waits for the
// cost report to start, and whose Fetch counts the regions read at once.
type chainAccount struct {
	account
	costStarted      chan struct{}
	once             sync.Once
	inFlight, peak   atomic.Int32
	discoverAfterCE  atomic.Bool
	metricsRequested int64
}

func (a *chainAccount) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	select {
	case <-a.costStarted:
		a.discoverAfterCE.Store(true)
	case <-time.After(2 * time.Second): // Cost Explorer waits for discovery: do not hang the test
	}
	return a.account.Discover(ctx, q)
}

func (a *chainAccount) Report(ctx context.Context, q costquery.Query) (*costquery.Report, error) {
	a.once.Do(func() { close(a.costStarted) })
	return a.account.Report(ctx, q)
}

func (a *chainAccount) Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
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
	s := New(Deps{Discovery: acct, Metrics: metricsFunc(func(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
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
	if !acct.discoverAfterCE.Load() {
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
	// 1 Cost Explorer request (0.01) + 5 x 1,000 metrics (0.05); discovery
	// free: the fake's 4 calls a listing, one listing a shard (five regions
	// and the buckets).
	if b.Total.String() != "0.06" || b.Units(bill.GetMetricData) != 5000 || b.Units(bill.CostExplorer) != 1 || b.Units("discovery") != 6*4 {
		t.Errorf("bill %s: %+v", b.Total, b.Items)
	}
}

type metricsFunc func(ctx context.Context, r metricquery.Request) (*metricquery.Result, error)

func (f metricsFunc) Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
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
