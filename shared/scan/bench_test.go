package scan_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/fleetstub"
)

// level is each metric's value in the synthetic account: a healthy one, but
// for the first ten functions, throttled every hour.
var level = map[string]float64{"CPUUtilization": 35, "NetworkIn": 2e8, "NetworkOut": 3e8, "StatusCheckFailed": 0,
	"DatabaseConnections": 25, "FreeStorageSpace": 60e9, "Invocations": 1000, "Errors": 2, "Throttles": 0, "Duration": 350}

// newSynthetic is an account of len(regions) x (instances, dbs, fns), with
// scan.Days of hourly points for every metric at its level.
func newSynthetic(regions []string, instances, dbs, fns int) *fleetstub.Account {
	byName := fleetstub.ByName(level)
	acct := fleetstub.New(regions, instances, dbs, fns, scan.Days, func(name, id string) (float64, bool) {
		if name == "Throttles" && id < "fn-00010" {
			return 12, true // busy
		}
		return byName(name, id)
	})
	acct.Owner = "111122223333"
	return acct
}

// BenchmarkScan10000Resources runs a full scan of the synthetic account with
// every AWS call delayed 50 ms, and reports the wall time, the calls by API
// and the peak heap.
func BenchmarkScan10000Resources(b *testing.B) {
	acct := newSynthetic([]string{"eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"}, 1500, 500, 500)
	var wall time.Duration
	var calls *awsstub.Counter
	var snap *cloudscope.Snapshot
	var peak uint64
	var writes int
	var batched, partial atomic.Int64 // the items the BatchWriteItem calls carry, and the calls of fewer than 25
	var parts int
	for b.Loop() {
		calls = &awsstub.Counter{}
		acct.Table = ddbstub.New()
		batched.Store(0)
		partial.Store(0)
		handle := func(ctx context.Context, c awsstub.Call) (any, error) {
			if in, ok := c.Input.(*dynamodb.BatchWriteItemInput); ok {
				n := 0
				for _, reqs := range in.RequestItems {
					n += len(reqs)
				}
				batched.Add(int64(n))
				if n < 25 {
					partial.Add(1)
				}
			}
			return acct.Handle(ctx, c)
		}
		clients := awsstub.Clients(calls.Wrap(awsstub.Delay(50*time.Millisecond, handle)))
		store := dynamostore.NewSnapshotStore(dynamodbclient.Home(clients), "cloudscope", 0, nil)
		sc := scan.New(scan.Deps{
			Discovery:  discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{Budget: time.Minute}),
			Metrics:    metrics.New(metrics.ClientsFrom(clients), metricquery.Options{}),
			Costs:      costs.New(costs.ClientFrom(clients), nil, costquery.Options{}),
			Store:      store,
			Notifier:   snsnotify.New(snsclient.In(clients, "us-east-1"), "arn:aws:sns:us-east-1:111122223333:findings"),
			Thresholds: bottleneck.Defaults,
		})
		runtime.GC()
		var stop atomic.Bool
		peakc := make(chan uint64)
		go func() {
			var m runtime.MemStats
			var hi uint64
			for !stop.Load() {
				runtime.ReadMemStats(&m)
				hi = max(hi, m.HeapAlloc)
				time.Sleep(5 * time.Millisecond)
			}
			peakc <- hi
		}()
		start := time.Now()
		res, err := sc.Run(context.Background(), "bench", nil)
		wall = time.Since(start)
		stop.Store(true)
		peak = <-peakc
		if err != nil {
			b.Fatal(err)
		}
		snap, writes = res.Snapshot, store.Writes
		parts = 0
		if err := store.PartSummaries(context.Background(), "bench", func(cloudscope.ShardPart) error { parts++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	if snap.Counts.Resources != 10000 {
		b.Fatalf("%d resources", snap.Counts.Resources)
	}
	// The lower bound is what the rules plan for the resources the scan
	// listed (bottleneck.PlanReads), each region's chunk of SeriesAtOnce
	// resources read in its two rounds, each round's reads of one period
	// and window in calls of as many queries as one call may ask (500, or
	// fewer when the series are long): the screened second round planned
	// from the series this account serves.
	lower, requested := plannedReads(acct, snap)
	if n := calls.Count("CloudWatch.GetMetricData"); n != lower {
		b.Errorf("%d GetMetricData calls, want the lower bound %d (the calls the rules' planned reads need)", n, lower)
	}
	if n := snap.Bill.Units(bill.GetMetricData); n != requested {
		b.Errorf("%d metrics requested, the rules plan %d", n, requested)
	}
	// Each part (a shard's, the plan's) is written in full batches of 25
	// but its last.
	batchWrites := calls.Count("DynamoDB.BatchWriteItem")
	if int(partial.Load()) > parts {
		b.Errorf("%d BatchWriteItem calls for %d items, %d of them of fewer than 25 items: more than one a part (%d parts)", batchWrites, batched.Load(), partial.Load(), parts)
	}
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(calls.Total()), "aws-calls")
	b.ReportMetric(float64(calls.Count("CloudWatch.GetMetricData")), "getmetricdata-calls")
	b.ReportMetric(float64(batchWrites), "batchwriteitem-calls")
	b.ReportMetric(float64(snap.Counts.Findings), "findings")
	b.Logf("calls by API: %s", calls)
	b.Logf("GetMetricData: %d calls, %d metrics requested: the rules' planned reads need %d calls, %d metrics", calls.Count("CloudWatch.GetMetricData"),
		snap.Bill.Units(bill.GetMetricData), lower, requested)
	b.Logf("dynamodb items written: %d (%d in %d BatchWriteItem calls, the others one by one)", writes, batched.Load(), batchWrites)
	// Goals: 10 s and 256 MB. Heap is a count and is held to the goal; time
	// is reported, and fails only when grossly over (a shared 2-core machine).
	if wall > 10*time.Second {
		b.Logf("wall %s is over the goal of 10 s", wall)
	}
	if wall > 30*time.Second || peak > 256<<20 {
		b.Errorf("wall %s, peak heap %d MiB: over 3x the 10 s goal or over 256 MB", wall, peak>>20)
	}
}

// plannedReads is the GetMetricData calls and the metrics (queries) the
// rules plan for snap's resources in acct: per region, per chunk of
// scan.SeriesAtOnce measured resources, per round (the second planned from
// the series acct serves for the first), per period and window, the
// queries in calls of at most 500 (fewer when the series are long, as one
// response holds 100,800 points).
func plannedReads(acct *fleetstub.Account, snap *cloudscope.Snapshot) (calls int, queries int64) {
	end := snap.StartedAt.UTC().Truncate(time.Hour)
	env := bottleneck.ReadEnv{Thresholds: bottleneck.Defaults, Now: end}
	byRegion := map[string][]cloudscope.Resource{}
	for _, r := range snap.Resources {
		if discovery.Measured(r) {
			byRegion[r.Region] = append(byRegion[r.Region], r)
		}
	}
	type span struct {
		period int32
		days   int
	}
	for _, rs := range byRegion {
		for chunk := range slices.Chunk(rs, scan.SeriesAtOnce) {
			have := make([]cloudscope.ResourceMetrics, len(chunk))
			for round := range bottleneck.ReadRounds {
				perSpan := map[span]int{}
				var planned [][]bottleneck.Read
				for i, r := range chunk {
					h := &have[i]
					if round == 0 {
						h = nil
					}
					reads := bottleneck.PlanReads(r, h, round, env)
					planned = append(planned, reads)
					for _, rd := range reads {
						perSpan[span{rd.PeriodS, rd.WindowD}] += len(rd.Stats)
					}
				}
				for sp, n := range perSpan {
					points := metricquery.Trailing(end, sp.days, sp.period).Points()
					size := min(metricquery.MaxQueriesPerCall, metricquery.MaxDatapointsPerCall/points)
					calls += (n + size - 1) / size
					queries += int64(n)
				}
				// What the round read, as acct serves it, for the next round's screens.
				for i, reads := range planned {
					for _, rd := range reads {
						ms := cloudscope.MetricSeries{Name: rd.Name, Namespace: rd.Namespace, Period: rd.PeriodS, Stats: map[string][]cloudscope.Point{}}
						values, _ := acct.Values(rd.Name, chunk[i].ID)
						for _, st := range rd.Stats {
							pts := make([]cloudscope.Point, 0, len(values))
							for k, v := range values {
								if t := acct.Stamps[k]; !t.Before(end.Add(-time.Duration(rd.WindowD)*24*time.Hour)) && t.Before(end) {
									pts = append(pts, cloudscope.Point{T: cloudscope.At(t), V: v})
								}
							}
							ms.Stats[st] = pts
						}
						have[i].Type, have[i].ID, have[i].HasData = chunk[i].Type, chunk[i].ID, true
						have[i].Metrics = append(have[i].Metrics, ms)
					}
				}
			}
		}
	}
	return calls, queries
}

// BenchmarkScanCriticalChain replays the same scan of 3 regions x (400
// instances, 100 databases, 50 functions: one page of each list, the
// other types' lists empty; 7 GetMetricData calls a region) with 0, 100
// and 200 ms added to every AWS call, and reports the times and the number
// of sequential round trips they imply: the slope of time over latency.
// The scan's critical chain is 4: DescribeRegions, then the listings, then
// the first round of the rules' reads, then the screened second round
// (here the invocations of the functions that had errors); Cost Explorer
// runs beside discovery and the regions' metrics run together.
func BenchmarkScanCriticalChain(b *testing.B) {
	acct := newSynthetic([]string{"eu-west-1", "us-east-1", "us-west-2"}, 400, 100, 50)
	run := func(latency time.Duration) (time.Duration, *cloudscope.Snapshot) {
		clients := awsstub.Clients(awsstub.Delay(latency, acct.Handle))
		sc := scan.New(scan.Deps{
			Discovery:  discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{Budget: time.Minute}),
			Metrics:    metrics.New(metrics.ClientsFrom(clients), metricquery.Options{}),
			Costs:      costs.New(costs.ClientFrom(clients), nil, costquery.Options{}),
			Thresholds: bottleneck.Defaults,
		})
		start := time.Now()
		snap, err := sc.Evaluate(context.Background(), "chain", nil)
		wall := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Errors) > 0 {
			b.Fatalf("errors: %v", snap.Errors)
		}
		return wall, snap
	}
	latencies := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}
	walls := make([]time.Duration, len(latencies))
	var snap *cloudscope.Snapshot
	run(0) // warm up
	for b.Loop() {
		for i, l := range latencies {
			// The median of five runs, against a busy machine's noise.
			var ws []time.Duration
			for range 5 {
				var w time.Duration
				w, snap = run(l)
				ws = append(ws, w)
			}
			slices.Sort(ws)
			walls[i] = ws[2]
		}
	}
	if snap.Counts.Resources != 3*550 {
		b.Fatalf("%d resources", snap.Counts.Resources)
	}
	// The slope of time over latency (least squares over the three points)
	// is the number of round trips one after another.
	var mx, my, sxy, sxx float64
	for i, l := range latencies {
		mx, my = mx+l.Seconds()/3, my+walls[i].Seconds()/3
	}
	for i, l := range latencies {
		sxy += (l.Seconds() - mx) * (walls[i].Seconds() - my)
		sxx += (l.Seconds() - mx) * (l.Seconds() - mx)
	}
	trips := sxy / sxx
	b.ReportMetric(walls[0].Seconds(), "s-at-0ms")
	b.ReportMetric(walls[1].Seconds(), "s-at-100ms")
	b.ReportMetric(walls[2].Seconds(), "s-at-200ms")
	b.ReportMetric(trips, "round-trips")
	b.ReportMetric(float64(snap.Calls["cloudwatch:GetMetricData"]), "getmetricdata-calls")
	b.Logf("0 ms: %.2f s, 100 ms: %.2f s, 200 ms: %.2f s: %.1f sequential round trips (goal 4)",
		walls[0].Seconds(), walls[1].Seconds(), walls[2].Seconds(), trips)
	// A gross regression (regions, batches or rounds read one after
	// another again) fails; the figure itself is reported.
	if trips > 5.5 {
		b.Errorf("%.1f sequential round trips, want about 4", trips)
	}
}

// BenchmarkScanBill runs the scan of the synthetic account at 100 and
// 10,000 resources (4 regions, 50 ms a call), reads each scan's own bill,
// and feeds the units per resource it measured to bill.Model: what a day of
// cloudscope costs at 100, 10,000 and 1,000,000 resources (a daily scan and
// the dashboard's cached cost views), as the README quotes it.
func BenchmarkScanBill(b *testing.B) {
	regions := []string{"eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"}
	type measured struct {
		resources int
		bill      *cloudscope.Snapshot
		wall      time.Duration
	}
	scanOf := func(instances, dbs, fns int) measured {
		acct := newSynthetic(regions, instances, dbs, fns)
		clients := awsstub.Clients(awsstub.Delay(50*time.Millisecond, acct.Handle))
		sc := scan.New(scan.Deps{
			Discovery:  discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{Budget: time.Minute}),
			Metrics:    metrics.New(metrics.ClientsFrom(clients), metricquery.Options{}),
			Costs:      costs.New(costs.ClientFrom(clients), nil, costquery.Options{}),
			Thresholds: bottleneck.Defaults,
		})
		start := time.Now()
		snap, err := sc.Evaluate(context.Background(), "bill", nil)
		if err != nil {
			b.Fatal(err)
		}
		return measured{resources: snap.Counts.Resources, bill: snap, wall: time.Since(start)}
	}
	var small, large measured
	for b.Loop() {
		small = scanOf(15, 5, 5)       // 4 x 25 = 100 resources
		large = scanOf(1500, 500, 500) // 4 x 2,500 = 10,000 resources
	}
	if small.resources != 100 || large.resources != 10000 {
		b.Fatalf("%d and %d resources", small.resources, large.resources)
	}
	for _, m := range []measured{small, large} {
		bl := m.bill.Bill
		b.Logf("%d resources: bill %s %s in %s: %s", m.resources, bl.Total, bl.Currency, m.wall.Round(time.Millisecond), items(bl))
	}
	// The rates per resource, from the larger scan; the fixed parts from the
	// difference of the two (the scan function has 1 GB: GB-seconds = seconds).
	lb := large.bill.Bill
	perRes := func(api string) float64 { return float64(lb.Units(api)) / float64(large.resources) }
	secPerRes := (large.wall - small.wall).Seconds() / float64(large.resources-small.resources)
	rates := bill.Rates{
		MetricsPerResource:         perRes(bill.GetMetricData),
		FreeCallsPerResource:       perRes("discovery"),
		CostExplorerPages:          int(lb.Units(bill.CostExplorer)),
		LambdaGBSecondsPerResource: secPerRes,
		LambdaGBSecondsFixed:       max(0, small.wall.Seconds()-secPerRes*float64(small.resources)),
	}
	b.Logf("rates: %+v", rates)
	if small.bill.Bill.Units(bill.CostExplorer) != lb.Units(bill.CostExplorer) {
		b.Errorf("Cost Explorer pages %d at 100 resources, %d at 10,000: they should not grow with resources",
			small.bill.Bill.Units(bill.CostExplorer), lb.Units(bill.CostExplorer))
	}
	for _, n := range []int{100, 10000, 1000000} {
		day, err := bill.Model(bill.Scale{Resources: n, Accounts: 1, Regions: len(regions), CostViewsPerDay: 2}, rates)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("a day at %d resources (daily scan + 2 cost views, 6-hour cache): %s %s: %s", n, day.Total, day.Currency, items(day))
		b.ReportMetric(day.Total.Ratio(cloudscope.AmountOf(1)), fmt.Sprintf("usd-per-day-%d", n))
	}
	b.ReportMetric(rates.MetricsPerResource, "metrics-per-resource")
	b.ReportMetric(float64(rates.CostExplorerPages), "ce-pages-per-scan")
}

// items is a bill's items in one line.
func items(bl *cloudscope.Bill) string {
	var s []string
	for _, it := range bl.Items {
		s = append(s, fmt.Sprintf("%s %d %s (%d calls) %s", it.API, it.Units, it.Unit, it.Calls, it.Charge))
	}
	return strings.Join(s, "; ")
}
