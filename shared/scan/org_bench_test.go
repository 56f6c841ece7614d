package scan

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/fleetstub"
)

// The regions of the simulated organization's accounts.
var benchRegions = []string{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"}

// healthyValues are a healthy fleet's series, by metric name: CPU at 35%,
// no failed status check, a database with 50 GB free and 20 connections,
// functions called 1,000 times an hour without throttles or errors, in
// 200 ms of their 30 s timeout.
var healthyValues = map[string]float64{
	"CPUUtilization": 35, "StatusCheckFailed": 0, "FreeStorageSpace": 50e9, "DatabaseConnections": 20,
	"Throttles": 0, "Errors": 0, "Invocations": 1000, "Duration": 200,
}

// newStubAccount is one account of the organization model: in each of its
// 17 regions, the same instances, databases and functions, every series at
// 35 (every rule that can fire on it fires), or, healthy, at
// healthyValues.
func newStubAccount(instances, dbs, fns int, healthy bool) *fleetstub.Account {
	level := fleetstub.Everywhere(35)
	if healthy {
		level = fleetstub.ByName(healthyValues)
	}
	return fleetstub.New(benchRegions, instances, dbs, fns, Days, level)
}

// oneAccount is an Accounts of one account whose clients are stubs.
type oneAccount struct{ clients *awsconf.Clients }

func (o oneAccount) Resolve(context.Context) (*accountset.Resolved, error) {
	return &accountset.Resolved{Caller: "111111111111", Accounts: []accountset.Account{{ID: "111111111111", State: "ACTIVE"}}}, nil
}
func (o oneAccount) Clients(context.Context, string) (*awsconf.Clients, error) { return o.clients, nil }

func benchEngine(a *fleetstub.Account, calls *awsstub.Counter, parts *partStore, chunk int) *Engine {
	clients := awsstub.Clients(calls.Wrap(awsstub.Delay(50*time.Millisecond, a.Handle)))
	return NewEngine(EngineDeps{
		Accounts: oneAccount{clients},
		Discovery: func(c *awsconf.Clients) Discoverer {
			return discovery.New(discovery.ClientsFrom(c), resourcequery.Options{Budget: 10 * time.Minute})
		},
		Metrics:    func(c *awsconf.Clients) Fetcher { return metrics.New(metrics.ClientsFrom(c), metricquery.Options{}) },
		Parts:      parts,
		Scanner:    New(Deps{Store: parts, Thresholds: bottleneck.Defaults}),
		HomeRegion: "us-east-1",
	}, EngineOptions{ChunkTargets: chunk})
}

// peakHeap runs fn while sampling the heap every 2 ms, and returns the
// highest heap in use above what it was before fn (after a GC).
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	var stop atomic.Bool
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var hi uint64
		for !stop.Load() {
			runtime.ReadMemStats(&m)
			hi = max(hi, m.HeapAlloc)
			time.Sleep(2 * time.Millisecond)
		}
		peak <- hi
	}()
	fn()
	stop.Store(true)
	hi := <-peak
	if hi < base {
		return 0
	}
	return hi - base
}

// BenchmarkShardOfTheOrganization is one shard of issue 14's simulated
// organization (1,000 accounts x 17 regions, 1,000,000 resources: 59 per
// account-region, here 30 instances, 15 databases, 14 functions) with 50 ms
// per call: its time, calls and peak heap, and the modeled wall time of
// 17,000 such shards at MaxConcurrency 100 and 500.
func BenchmarkShardOfTheOrganization(b *testing.B) {
	a := newStubAccount(30, 15, 14, false)
	var durations []time.Duration
	var peak uint64
	var calls *awsstub.Counter
	var sum *ShardSummary
	var parts *partStore
	for b.Loop() {
		calls = &awsstub.Counter{}
		parts = newPartStore()
		e := benchEngine(a, calls, parts, 0)
		if _, err := e.account(context.Background(), "111111111111"); err != nil {
			b.Fatal(err)
		}
		var err error
		var d time.Duration
		peak = max(peak, peakHeap(func() {
			start := time.Now()
			sum, err = e.RunShard(context.Background(), cloudscope.Shard{ScanID: "bench", AccountID: "111111111111", Region: "eu-west-1"})
			d = time.Since(start)
		}))
		if err != nil {
			b.Fatal(err)
		}
		durations = append(durations, d)
	}
	if sum.Resources != 59 {
		b.Fatalf("%d resources", sum.Resources)
	}
	slices.Sort(durations)
	median := durations[len(durations)/2]
	b.ReportMetric(median.Seconds(), "shard-s")
	b.ReportMetric(float64(peak)/(1<<20), "shard-peak-heap-MiB")
	b.ReportMetric(float64(calls.Total()), "shard-aws-calls")
	b.ReportMetric(float64(calls.Count("CloudWatch.GetMetricData")), "shard-getmetricdata-calls")
	for _, c := range []int{100, 500} {
		// 17,000 shards in waves of c, each as long as the measured shard
		// (state transitions and Lambda starts are not modeled).
		waves := math.Ceil(17000 / float64(c))
		b.ReportMetric(waves*median.Seconds()/60, fmt.Sprintf("modeled-min-at-%d", c))
	}
	b.Logf("one shard: %d calls by API: %s", calls.Total(), calls)

	// What one scan of that organization costs in AWS charges, from this
	// shard's measured units (bill.Model): 17,000 region shards and 1,000
	// bucket shards, each a 512 MB shard function as long as this one; the
	// plan and finalize are left out of the GB-seconds (two invocations
	// against 18,000); one Cost Explorer query (its pages: 1 in the stub).
	// Before: the same shard's resources read as scans read them before
	// the rules declared their reads (every rule metric of every target).
	part := parts.parts["bench"]["111111111111#eu-west-1"]
	before := metricsBefore(b, a, part.Resources)
	gmd := calls.Count("CloudWatch.GetMetricData")
	model := func(metricsRequested int64) *cloudscope.Bill {
		org, err := bill.Model(bill.Scale{Resources: 17000 * 59, Accounts: 1000, Regions: 17, Shards: 18000}, bill.Rates{
			MetricsPerResource:         float64(metricsRequested) / 59,
			FreeCallsPerResource:       float64(calls.Total()-gmd) / 59,
			CostExplorerPages:          1,
			LambdaGBSecondsPerResource: 0.5 * median.Seconds() / 59,
		})
		if err != nil {
			b.Fatal(err)
		}
		return org
	}
	org, orgBefore := model(part.MetricsRequested), model(before)
	b.ReportMetric(float64(part.MetricsRequested), "shard-metrics-requested")
	b.ReportMetric(float64(before)/59, "before-metrics-per-resource")
	b.ReportMetric(float64(part.MetricsRequested)/59, "after-metrics-per-resource")
	usd := func(bl *cloudscope.Bill) float64 { f, _ := strconv.ParseFloat(bl.Total.String(), 64); return f }
	b.ReportMetric(usd(org), "org-scan-USD")
	b.ReportMetric(usd(orgBefore), "before-org-scan-USD")
	b.Logf("metrics requested per resource: %.2f before (every rule metric), %.2f after (the planned reads); one scan of 1,000 accounts x 17 regions: %s USD before, %s USD after",
		float64(before)/59, float64(part.MetricsRequested)/59, orgBefore.Total.Cents(), org.Total.Cents())
	for _, it := range org.Items {
		b.Logf("organization scan: %s: %d units (%s), %s USD", it.API, it.Units, it.Unit, it.Charge.Cents())
	}
}

// metricsBefore is the metrics requested reading every rule metric of
// the resources' targets (as scans did before the rules declared their
// reads), from the stub account.
func metricsBefore(b *testing.B, a *fleetstub.Account, resources []cloudscope.Resource) int64 {
	var targets []metricquery.Target
	for _, r := range resources {
		if t, ok := target(r); ok {
			t.Resource = nil
			targets = append(targets, t)
		}
	}
	f := metrics.New(metrics.ClientsFrom(awsstub.Clients(a.Handle)), metricquery.Options{})
	res, err := f.Fetch(context.Background(), metricquery.Request{Region: "eu-west-1", Targets: targets, Window: metricsWindow(time.Now()),
		Metrics: slices.Clone(ruleMetrics), ForRules: true})
	if err != nil {
		b.Fatal(err)
	}
	return res.MetricsRequested
}

// BenchmarkLargeShard is one account-region of 25,000 resources (15,000
// instances, 5,000 databases, 5,000 functions: the scan benchmark's
// 100,000 resources in 4 regions, per region) read with metrics judged
// 1,000 resources at a time, and all at once: the peak heap of each.
func BenchmarkLargeShard(b *testing.B) {
	a := newStubAccount(15000, 5000, 5000, false)
	for _, chunk := range []int{1000, 25000} {
		b.Run(fmt.Sprintf("chunk-%d", chunk), func(b *testing.B) {
			var peak uint64
			var wall time.Duration
			var calls *awsstub.Counter
			for b.Loop() {
				calls = &awsstub.Counter{}
				e := benchEngine(a, calls, newPartStore(), chunk)
				var err error
				var sum *ShardSummary
				peak = peakHeap(func() {
					start := time.Now()
					sum, err = e.RunShard(context.Background(), cloudscope.Shard{ScanID: "bench", AccountID: "111111111111", Region: "eu-west-1"})
					wall = time.Since(start)
				})
				if err != nil || sum.Resources != 25000 {
					b.Fatal(err, sum)
				}
			}
			b.ReportMetric(wall.Seconds(), "wall-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(calls.Count("CloudWatch.GetMetricData")), "getmetricdata-calls")
		})
	}
}

// BenchmarkFinalize17000Parts merges the part summaries of 17,000 shards
// (each with its counts, 3 findings and 2 undecided rules) into the
// snapshot's header: time and peak heap. The store is in memory and keeps
// the header and findings; costs are not asked (no Cost Explorer here).
func BenchmarkFinalize17000Parts(b *testing.B) {
	var peak uint64
	var wall time.Duration
	for b.Loop() {
		parts := newPartStore()
		ctx := context.Background()
		for acct := range 1000 {
			id := fmt.Sprintf("%012d", acct)
			for _, region := range benchRegions {
				p := newPart(cloudscope.Shard{ScanID: "bench", AccountID: id, Region: region}, time.Now())
				rs := make([]cloudscope.Resource, 59)
				for i := range rs {
					rs[i] = cloudscope.Resource{AccountID: id, Type: cloudscope.EC2, ID: fmt.Sprintf("i-%d", i), Region: region, State: "running"}
				}
				p.Counts.CountResources(rs)
				for i := range 3 {
					p.Findings = append(p.Findings, cloudscope.Finding{ID: fmt.Sprintf("ec2.high_cpu/ec2/%s/%s/i-%d", id, region, i), AccountID: id,
						Rule: "ec2.high_cpu", Severity: cloudscope.Warning, ResourceType: cloudscope.EC2, ResourceID: fmt.Sprintf("i-%d", i), Region: region})
				}
				for i := range 2 {
					p.Insufficient = append(p.Insufficient, cloudscope.Insufficient{AccountID: id, Rule: "rds.idle", ResourceType: cloudscope.RDS, ResourceID: fmt.Sprint(i), Region: region})
				}
				p.Listed, p.MetricsRead = 3, 1
				p.Calls["discovery"] = 3
				if err := parts.SavePart(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		}
		e := NewEngine(EngineDeps{Parts: parts, Scanner: New(Deps{Store: parts})}, EngineOptions{})
		var h *cloudscope.SnapshotHeader
		var err error
		peak = peakHeap(func() {
			start := time.Now()
			h, err = e.Finalize(ctx, "bench")
			wall = time.Since(start)
		})
		if err != nil || h.Counts.Resources != 1000*17*59 || len(h.Counts.ByAccount) != 1000 {
			b.Fatal(err, h.Counts.Resources)
		}
	}
	b.ReportMetric(wall.Seconds(), "finalize-s")
	b.ReportMetric(float64(peak)/(1<<20), "finalize-peak-heap-MiB")
}

// simulateMap runs the Distributed Map's schedule over items without
// running them: it starts items in their order, at most maxConcurrency at
// once, the next one as soon as one finishes, each taking dur(item). It
// returns the most shards of one account running at once, and when the
// last finished.
func simulateMap(items []cloudscope.Shard, maxConcurrency int, dur func(int, cloudscope.Shard) float64) (perAccount int, makespan float64) {
	running := map[string]int{}
	type run struct {
		end     float64
		account string
	}
	var active []run // few (maxConcurrency): a linear scan for the earliest end is enough
	now, next := 0.0, 0
	for next < len(items) || len(active) > 0 {
		for next < len(items) && len(active) < maxConcurrency {
			it := items[next]
			active = append(active, run{end: now + dur(next, it), account: it.AccountID})
			running[it.AccountID]++
			perAccount = max(perAccount, running[it.AccountID])
			next++
		}
		first := 0
		for i := range active {
			if active[i].end < active[first].end {
				first = i
			}
		}
		now = active[first].end
		running[active[first].account]--
		active = slices.Delete(active, first, first+1)
	}
	return perAccount, now
}

// orgPlan is a plan of accounts x (regions + 1 bucket shard), each
// account's shards together, as the plan ordered them before it
// interleaved the accounts.
func orgPlan(accounts, regions int) []cloudscope.Shard {
	var shards []cloudscope.Shard
	for a := range accounts {
		id := fmt.Sprintf("%012d", a+1)
		shards = append(shards, cloudscope.Shard{AccountID: id, Region: "us-east-1", Types: []cloudscope.ResourceType{cloudscope.S3}})
		for r := range regions {
			shards = append(shards, cloudscope.Shard{AccountID: id, Region: fmt.Sprintf("region-%02d", r)})
		}
	}
	return shards
}

// BenchmarkMapShardsPerAccount: the most shards of one account the
// Distributed Map runs at once, for the accounts one after another
// ("grouped") and the plan's interleaved item order, at the setting's
// MaxConcurrency 100 and 500 ("per-account=none"), and interleaved at the
// concurrency the plan answers with a per-account limit of 4
// (MapConcurrency: min(the setting, accounts x 4), "per-account=4"), for
// 1,000, 100 and 10 accounts of 17 regions (18 shards each). Shards take
// the same time ("equal"), a time drawn between 0.5 and 1.5 of it
// ("varied"), or one account's shards take 10 times as long ("slow").
// The schedule is simulated (no shard runs), so the figures are exact for
// the order and the durations given; makespan-units is when the last
// shard ends, in units of one shard's time.
func BenchmarkMapShardsPerAccount(b *testing.B) {
	durations := map[string]func(int, cloudscope.Shard) float64{
		"equal": func(int, cloudscope.Shard) float64 { return 1 },
		"varied": func(i int, _ cloudscope.Shard) float64 {
			return 0.5 + float64((i*7919)%1000)/1000 // a fixed spread, the same for both orders' items by position
		},
		"slow": func(_ int, s cloudscope.Shard) float64 {
			if s.AccountID == fmt.Sprintf("%012d", 1) {
				return 10
			}
			return 1
		},
	}
	const perAccount = 4
	for _, accounts := range []int{1000, 100, 10} {
		plan := orgPlan(accounts, 17)
		for _, order := range []string{"grouped", "interleaved"} {
			items := plan
			if order == "interleaved" {
				items = interleave(plan)
			}
			for _, bound := range []int{0, perAccount} {
				if bound != 0 && order == "grouped" {
					continue // the plan interleaves: the bound is by order
				}
				for _, m := range []int{100, 500} {
					concurrency, per := m, "none"
					if bound != 0 {
						concurrency, per = MapConcurrency(items, m, bound), fmt.Sprint(bound)
					}
					for _, name := range []string{"equal", "varied", "slow"} {
						b.Run(fmt.Sprintf("accounts=%d/%s/max=%d/per-account=%s/%s", accounts, order, m, per, name), func(b *testing.B) {
							var most int
							var makespan float64
							for b.Loop() {
								most, makespan = simulateMap(items, concurrency, durations[name])
							}
							b.ReportMetric(float64(most), "max-shards-of-one-account")
							b.ReportMetric(float64(concurrency), "map-concurrency")
							b.ReportMetric(makespan, "makespan-units")
						})
					}
				}
			}
		}
	}
}

// BenchmarkHealthyShardOfTheOrganization is the organization model's
// shard (30 instances, 15 databases, 14 functions) with healthy series
// (healthyValues) rather than every series at 35, which fires every rule
// that can fire: the metrics its rules read then, and what one scan of the
// 1,000 accounts x 17 regions costs in GetMetricData. No rule is screened
// in: each resource's reads are the first round's, the floor of these
// rules (3 a resource: an instance's CPU average and maximum and its
// status checks; a database's connections, CPU and free storage; a
// function's throttles, errors and p99 duration).
func BenchmarkHealthyShardOfTheOrganization(b *testing.B) {
	a := newStubAccount(30, 15, 14, true)
	var part cloudscope.ShardPart
	var calls *awsstub.Counter
	for b.Loop() {
		calls = &awsstub.Counter{}
		parts := newPartStore()
		e := benchEngine(a, calls, parts, 0)
		if _, err := e.account(context.Background(), "111111111111"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.RunShard(context.Background(), cloudscope.Shard{ScanID: "bench", AccountID: "111111111111", Region: "eu-west-1"}); err != nil {
			b.Fatal(err)
		}
		part = parts.parts["bench"]["111111111111#eu-west-1"]
	}
	if len(part.Resources) != 59 || len(part.Findings) != 0 {
		b.Fatalf("%d resources, %d findings: the healthy fleet should find nothing", len(part.Resources), len(part.Findings))
	}
	perResource := float64(part.MetricsRequested) / 59
	org, err := bill.Model(bill.Scale{Resources: 17000 * 59, Accounts: 1000, Regions: 17, Shards: 18000}, bill.Rates{MetricsPerResource: perResource})
	if err != nil {
		b.Fatal(err)
	}
	var orgUSD float64
	for _, it := range org.Items {
		if it.API == bill.GetMetricData {
			orgUSD, _ = strconv.ParseFloat(it.Charge.String(), 64)
		}
	}
	b.ReportMetric(float64(part.MetricsRequested), "shard-metrics-requested")
	b.ReportMetric(perResource, "metrics-per-resource")
	b.ReportMetric(orgUSD, "org-getmetricdata-USD")
	b.Logf("healthy organization model: %d metrics for 59 resources (%.2f a resource), %d GetMetricData calls; GetMetricData of one scan of 1,000 accounts x 17 regions: %.2f USD",
		part.MetricsRequested, perResource, calls.Count("CloudWatch.GetMetricData"), orgUSD)
}
