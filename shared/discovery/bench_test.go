package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// BenchmarkDiscoverAllRegions discovers 17 regions x (EC2, RDS, Lambda), each
// list three pages long, plus S3, with every AWS call delayed 100 ms. It
// reports the wall time against (a) the longest chain of dependent calls (the
// region lookup, then three pages) and (b) the same scan one call at a time.
func BenchmarkDiscoverAllRegions(b *testing.B) {
	latency := benchLatency
	acct := &fakeAccount{buckets: map[string]string{}, bucketRegionInList: true}
	for i := range 17 {
		acct.enabled = append(acct.enabled, fmt.Sprintf("xx-region-%d", i+1))
		acct.buckets[fmt.Sprintf("bucket-%d", i)] = acct.enabled[i]
	}
	// Three pages each at the production page sizes (1000, 100, 50).
	acct.perRegion.ec2, acct.perRegion.rds, acct.perRegion.lambda = 2500, 250, 150
	wantCalls := 1 + 17*3*3 + 1

	// The stub stands in for AWS: build its pages once, outside the timings.
	answer := memoize(acct.handle)
	scan := func(concurrency int, latency time.Duration) (time.Duration, int, int) {
		var calls awsstub.Counter
		s := New(stubClients(calls.Wrap(awsstub.Delay(latency, answer))), resourcequery.Options{Concurrency: concurrency})
		start := time.Now()
		inv, err := s.Discover(context.Background(), resourcequery.Query{Types: []cloudscope.ResourceType{cloudscope.EC2, cloudscope.RDS, cloudscope.Lambda, cloudscope.S3}})
		elapsed := time.Since(start)
		if err != nil || len(inv.Errors) > 0 {
			b.Fatalf("discover: %v %v", err, inv.Errors)
		}
		return elapsed, calls.Total(), len(inv.Resources)
	}

	var wall time.Duration
	var calls, resources int
	scan(0, 0)
	for b.Loop() {
		// The median of three scans, against a busy machine's noise.
		var walls []time.Duration
		for range 3 {
			var w time.Duration
			w, calls, resources = scan(0, latency)
			walls = append(walls, w)
		}
		slices.Sort(walls)
		wall = walls[1]
	}
	if calls != wantCalls {
		b.Errorf("%d calls, want exactly the %d pages needed", calls, wantCalls)
	}
	chain := 4 * latency // DescribeRegions, then three pages in sequence
	sequential, _, _ := scan(1, latency)

	b.ReportMetric(float64(calls), "aws-calls")
	b.ReportMetric(float64(resources), "resources")
	b.ReportMetric(float64(wall.Milliseconds()), "median-wall-ms")
	b.ReportMetric(wall.Seconds()/chain.Seconds(), "x-chain-bound")
	b.ReportMetric(float64(sequential.Milliseconds()), "one-at-a-time-ms")
	b.ReportMetric(sequential.Seconds()/wall.Seconds(), "x-faster-than-one-at-a-time")
	// Times are reported, not asserted; only a gross regression (pages or
	// regions read one after another) fails.
	if wall > chain*4 {
		b.Errorf("wall %s exceeds 4x the chain bound %s: the listings no longer run concurrently", wall, chain)
	}
}

var benchLatency = 100 * time.Millisecond

// memoize answers each distinct call once and replays the answer after.
func memoize(h awsstub.Handler) awsstub.Handler {
	var memo sync.Map
	return func(ctx context.Context, c awsstub.Call) (any, error) {
		in, _ := json.Marshal(c.Input)
		key := c.Region + "/" + c.Operation + "/" + string(in)
		if v, ok := memo.Load(key); ok {
			return v, nil
		}
		out, err := h(ctx, c)
		if err == nil {
			memo.Store(key, out)
		}
		return out, err
	}
}

// BenchmarkDiscoverWasteTypes discovers 10,000 resources of the waste types
// over 4 regions (per region 1,000 volumes, 900 snapshots with 250 AMIs,
// 100 Elastic IPs, 50 NAT gateways, 100 load balancers of each API and 250
// tables), every AWS call delayed 100 ms. It reports the calls against the
// lower bound: ceil(n/page) per list at each API's largest page, plus the
// calls per item that no batch API avoids (DescribeTargetHealth per target
// group, DescribeInstanceHealth per classic load balancer with instances,
// DescribeTable per table); and the wall time against the critical chain.
func BenchmarkDiscoverWasteTypes(b *testing.B) {
	latency := benchLatency
	acct := &fakeAccount{}
	for i := range 4 {
		acct.enabled = append(acct.enabled, fmt.Sprintf("xx-region-%d", i+1))
	}
	p := &acct.perRegion
	p.volumes, p.snapshots, p.images, p.addresses, p.nats, p.lbs, p.classic, p.tables = 1000, 900, 250, 100, 50, 100, 100, 250
	perRegion := p.volumes + p.snapshots + p.addresses + p.nats + p.lbs + p.classic + p.tables
	ceil := func(n, page int) int { return max(1, (n+page-1)/page) }
	lists := ceil(p.volumes, 500) + ceil(p.snapshots, 1000) + ceil(p.images, 1000) + 1 + ceil(p.nats, 1000) +
		ceil(p.lbs, 400) + ceil(p.lbs+1, 400) + ceil(p.classic, 400) + ceil(p.tables, 100)
	perItem := p.lbs + p.classic/2 + p.tables // the fake gives every other classic load balancer instances
	wantCalls := 1 + len(acct.enabled)*(lists+perItem)

	answer := memoize(acct.handle)
	scan := func(concurrency int, latency time.Duration) (time.Duration, int, int) {
		var calls awsstub.Counter
		s := New(stubClients(calls.Wrap(awsstub.Delay(latency, answer))), resourcequery.Options{Concurrency: concurrency, Budget: 10 * time.Minute})
		start := time.Now()
		inv, err := s.Discover(context.Background(), resourcequery.Query{Types: wasteTypes})
		elapsed := time.Since(start)
		if err != nil || len(inv.Errors) > 0 {
			b.Fatalf("discover: %v %v", err, inv.Errors)
		}
		return elapsed, calls.Total(), len(inv.Resources)
	}

	var wall time.Duration
	var calls, resources int
	scan(0, 0)
	for b.Loop() {
		var walls []time.Duration
		for range 3 {
			var w time.Duration
			w, calls, resources = scan(0, latency)
			walls = append(walls, w)
		}
		slices.Sort(walls)
		wall = walls[1]
	}
	if calls != wantCalls {
		b.Errorf("%d calls, want exactly the lower bound %d", calls, wantCalls)
	}
	if resources != len(acct.enabled)*perRegion {
		b.Errorf("%d resources, want %d", resources, len(acct.enabled)*perRegion)
	}
	// The longest chain of dependent calls: DescribeRegions, then the three
	// ListTables pages, each followed by its tables' DescribeTable (the last
	// page's run after it); the other lists are shorter (two volume pages;
	// a target group page, then its DescribeTargetHealth).
	chain := time.Duration(1+ceil(p.tables, 100)+1) * latency
	// With 64 calls in flight at most (the default bound), the calls
	// themselves take at least ceil(calls/64) round trips.
	throughput := time.Duration(ceil(calls, 64)) * latency
	bound := max(chain, throughput)
	sequential, _, _ := scan(1, latency)

	b.ReportMetric(float64(calls), "aws-calls")
	b.ReportMetric(float64(len(acct.enabled)*lists), "list-calls")
	b.ReportMetric(float64(len(acct.enabled)*perItem), "per-item-calls")
	b.ReportMetric(float64(resources), "resources")
	b.ReportMetric(float64(wall.Milliseconds()), "median-wall-ms")
	b.ReportMetric(float64(chain.Milliseconds()), "chain-ms")
	b.ReportMetric(wall.Seconds()/chain.Seconds(), "x-chain-bound")
	b.ReportMetric(float64(throughput.Milliseconds()), "concurrency-bound-ms")
	b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
	b.ReportMetric(float64(sequential.Milliseconds()), "one-at-a-time-ms")
	b.ReportMetric(sequential.Seconds()/wall.Seconds(), "x-faster-than-one-at-a-time")
	if wall > bound*4 {
		b.Errorf("wall %s exceeds 4x the bound %s: the listings no longer run concurrently", wall, bound)
	}
}
