package metrics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func hourly(hours int) metricquery.Grid {
	return metricquery.Grid{Start: now.Add(-time.Duration(hours) * time.Hour), End: now, Period: 3600}
}

// s3Targets returns n S3 buckets: two queries each (size and objects).
func s3Targets(n int) []metricquery.Target {
	t := make([]metricquery.Target, n)
	for i := range t {
		t[i] = metricquery.Target{Type: cloudscope.S3, ID: fmt.Sprintf("bucket-%05d", i)}
	}
	return t
}

// targetsFor returns targets that make exactly n queries with Stats
// ["Average"]: two per S3 bucket, and one EC2 instance (CPU Average) when n is odd.
func targetsFor(n int) []metricquery.Target {
	targets := s3Targets(n / 2)
	if n%2 == 1 {
		targets = append(targets, metricquery.Target{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", InstanceType: "m5.large"})
	}
	return targets
}

func TestBatching(t *testing.T) {
	for _, n := range []int{1, 499, 500, 501, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var calls awsstub.Counter
			fake := &fakeCloudWatch{}
			f := New(stubClient(calls.Wrap(fake.handle)), metricquery.Options{})
			res, err := f.Fetch(context.Background(), metricquery.Request{Region: "us-east-1", Targets: targetsFor(n),
				Window: metricquery.Grid{Start: now.Add(-72 * time.Hour), End: now, Period: 86400}, Stats: []string{"Average"}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Queries != n {
				t.Fatalf("%d queries planned, want %d", res.Queries, n)
			}
			want := (n + metricquery.MaxQueriesPerCall - 1) / metricquery.MaxQueriesPerCall
			if calls.Total() != want || int(res.Calls) != want {
				t.Errorf("%d calls (counted %d), want %d", calls.Total(), res.Calls, want)
			}
			if fake.maxQueries > metricquery.MaxQueriesPerCall {
				t.Errorf("a call carried %d queries", fake.maxQueries)
			}
			for _, rm := range res.Resources {
				for _, m := range rm.Metrics {
					if len(m.Stats["Average"]) != 3 {
						t.Fatalf("%s %s: %d points, want 3", rm.ID, m.Name, len(m.Stats["Average"]))
					}
				}
			}
		})
	}
}

func TestBatchesShrinkForLongSeries(t *testing.T) {
	// 1,440 points a series: only 70 queries fit in one response's 100,800 datapoints.
	var calls awsstub.Counter
	w := metricquery.Grid{Start: now.Add(-24 * time.Hour), End: now, Period: 60}
	res, err := New(stubClient(calls.Wrap((&fakeCloudWatch{}).handle)), metricquery.Options{}).Fetch(context.Background(),
		metricquery.Request{Region: "us-east-1", Targets: targetsFor(140), Window: w, Stats: []string{"Average"}})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Total() != 2 || res.Queries != 140 {
		t.Errorf("%d calls for %d queries of 1,440 points, want 2", calls.Total(), res.Queries)
	}
}

func TestResultsMapBackToTheirQueries(t *testing.T) {
	targets := []metricquery.Target{
		{Type: cloudscope.EC2, ID: "i-0aaaaaaaaaaaaaaaa", InstanceType: "t3.micro"},
		{Type: cloudscope.EC2, ID: "i-0bbbbbbbbbbbbbbbb", InstanceType: "m5.large"},
	}
	fake := &fakeCloudWatch{perPage: 3, newestFirst: true} // results spread over several pages, newest first
	var calls awsstub.Counter
	w := hourly(6)
	res, err := New(stubClient(calls.Wrap(fake.handle)), metricquery.Options{}).Fetch(context.Background(), metricquery.Request{Region: "eu-west-1", Targets: targets, Window: w})
	if err != nil {
		t.Fatal(err)
	}
	// t3: 5 metrics (with CPU credits), 6 queries; m5: 4 metrics, 5 queries. 11 results, 3 a page: 4 pages.
	if res.Queries != 11 || calls.Total() != 4 {
		t.Errorf("%d queries, %d calls; want 11 and 4 (every NextToken followed)", res.Queries, calls.Total())
	}
	for _, rm := range res.Resources {
		names := []string{}
		for _, m := range rm.Metrics {
			names = append(names, m.Name)
			for stat, pts := range m.Stats {
				if len(pts) != 6 {
					t.Errorf("%s %s %s: %d points, want 6", rm.ID, m.Name, stat, len(pts))
					continue
				}
				for i, p := range pts {
					if want := valueOf(rm.ID, m.Name, stat, i); p.V != want || !p.T.Time().Equal(w.Start.Add(time.Duration(i)*time.Hour)) {
						t.Fatalf("%s %s %s point %d: got %v at %s, want %v at %s", rm.ID, m.Name, stat, i, p.V, p.T.Time(), want, w.Start.Add(time.Duration(i)*time.Hour))
					}
				}
			}
		}
		want := []string{"CPUUtilization", "NetworkIn", "NetworkOut", "StatusCheckFailed"}
		if rm.ID == "i-0aaaaaaaaaaaaaaaa" {
			want = append(want, "CPUCreditBalance")
		}
		if !slices.Equal(names, want) || !rm.HasData {
			t.Errorf("%s: metrics %v (has data %v), want %v", rm.ID, names, rm.HasData, want)
		}
	}
}

func TestNoDataIsNotZero(t *testing.T) {
	fake := &fakeCloudWatch{empty: map[string]bool{"idle-db": true}}
	res, err := New(stubClient(fake.handle), metricquery.Options{}).Fetch(context.Background(), metricquery.Request{Region: "us-east-1",
		Targets: []metricquery.Target{{Type: cloudscope.RDS, ID: "idle-db"}, {Type: cloudscope.RDS, ID: "busy-db"}}, Window: hourly(3)})
	if err != nil {
		t.Fatal(err)
	}
	idle, busy := res.Resources[0], res.Resources[1]
	if idle.HasData || !busy.HasData {
		t.Errorf("has_data: idle %v busy %v", idle.HasData, busy.HasData)
	}
	for _, m := range idle.Metrics {
		for stat, pts := range m.Stats {
			if pts == nil || len(pts) != 0 {
				t.Errorf("%s %s: %v, want an empty (not missing, not zero-filled) series", m.Name, stat, pts)
			}
		}
	}
}

// TestPercentilesGoThroughAndCanBeLeftOut: the emulator cannot serve p99,
// so the stub stands in for CloudWatch here.
func TestPercentilesGoThroughAndCanBeLeftOut(t *testing.T) {
	h := (&fakeCloudWatch{}).handle
	target := []metricquery.Target{{Type: cloudscope.Lambda, ID: "order-webhook"}}
	res, err := New(stubClient(h), metricquery.Options{}).Fetch(context.Background(), metricquery.Request{Region: "us-east-1", Targets: target, Window: hourly(2)})
	if err != nil {
		t.Fatal(err)
	}
	dur := res.Resources[0].Metrics[3]
	if dur.Name != "Duration" || len(dur.Stats["p99"]) != 2 || dur.Stats["p99"][1].V != valueOf("order-webhook", "Duration", "p99", 1) {
		t.Errorf("p99 series: %+v", dur)
	}
	res, err = New(stubClient(h), metricquery.Options{NoPercentiles: true}).Fetch(context.Background(), metricquery.Request{Region: "us-east-1", Targets: target, Window: hourly(2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Resources[0].Metrics[3].Stats["p99"]; ok || res.Queries != 6 {
		t.Errorf("percentiles left in: %d queries", res.Queries)
	}
}

func TestCallFailureFailsTheRequest(t *testing.T) {
	h := func(context.Context, awsstub.Call) (any, error) {
		return nil, awsstub.APIError("AccessDenied", "not allowed")
	}
	_, err := New(stubClient(h), metricquery.Options{}).Fetch(context.Background(), metricquery.Request{Region: "us-east-1", Targets: s3Targets(1), Window: hourly(48)})
	if cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
		t.Errorf("got %v", err)
	}
}

func TestIsPercentile(t *testing.T) {
	for s, want := range map[string]bool{"p99": true, "p50": true, "p99.9": true, "p100": true, "p0": true,
		"Average": false, "p": false, "p101": false, "p99.999": false, "P99": false} {
		if metricquery.IsPercentile(s) != want {
			t.Errorf("%s: want %v", s, want)
		}
	}
}

// TestIAMActionsMatchTheCalls holds IAMActions to the calls the package makes.
func TestIAMActionsMatchTheCalls(t *testing.T) {
	var calls awsstub.Counter
	f := New(stubClient(calls.Wrap((&fakeCloudWatch{}).handle)), metricquery.Options{})
	for _, typ := range cloudscope.ResourceTypes {
		if _, err := f.Fetch(context.Background(), metricquery.Request{Region: "us-east-1", Targets: []metricquery.Target{{Type: typ, ID: "x"}}, Window: hourly(2)}); err != nil {
			t.Fatal(err)
		}
	}
	// One call per type with metrics (Elastic IPs and snapshots have none).
	withMetrics := 0
	for _, typ := range cloudscope.ResourceTypes {
		if len(metricquery.Catalogue[typ]) > 0 {
			withMetrics++
		}
	}
	if s := calls.String(); s != fmt.Sprintf("CloudWatch.GetMetricData=%d ", withMetrics) || !slices.Equal(metricquery.IAMActions, []string{"cloudwatch:GetMetricData"}) {
		t.Errorf("calls %s, actions %v", s, metricquery.IAMActions)
	}
	readme.RequireIAMActions(t, metricquery.IAMActions)
}

// A load balancer's metrics are its kind's: the namespace and dimension of
// an application, network or classic load balancer.
func TestLoadBalancerMetricsFollowTheKind(t *testing.T) {
	f := New(nil, metricquery.Options{})
	for _, tc := range []struct{ id, want string }{
		{"app/shop-alb/0123456789abcdef", "AWS/ApplicationELB RequestCount LoadBalancer, AWS/ApplicationELB HealthyHostCount LoadBalancer"},
		{"net/edge-nlb/0123456789abcdef", "AWS/NetworkELB NewFlowCount LoadBalancer, AWS/NetworkELB ProcessedBytes LoadBalancer"},
		{"legacy-clb", "AWS/ELB RequestCount LoadBalancerName"},
	} {
		_, queries := f.plan(metricquery.Request{Region: "us-east-1", Targets: []metricquery.Target{{Type: cloudscope.LoadBalancer, ID: tc.id}}, Window: hourly(2)})
		var got []string
		for _, q := range queries {
			if s := q.spec.Namespace + " " + q.spec.Name + " " + q.spec.Dimension; !slices.Contains(got, s) {
				got = append(got, s)
			}
		}
		if strings.Join(got, ", ") != tc.want {
			t.Errorf("%s: %v, want %s", tc.id, got, tc.want)
		}
	}
}

// TestBatchesRunTogether: a region's batches are sent together, under the
// bound, so 8 batches take about one round trip, not 8; the results still
// map back to their resources in the order asked, and one failed batch
// still fails the request.
func TestBatchesRunTogether(t *testing.T) {
	const latency = 150 * time.Millisecond
	const batches = 8
	targets := s3Targets(batches * metricquery.MaxQueriesPerCall / 2) // two queries a bucket: 8 full calls
	w := metricquery.Grid{Start: now.Add(-72 * time.Hour), End: now, Period: 86400}
	var inFlight, peak atomic.Int32
	fake := &fakeCloudWatch{}
	slow := awsstub.Delay(latency, fake.handle)
	h := func(ctx context.Context, c awsstub.Call) (any, error) { // counts the calls waiting on the wire at once
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		return slow(ctx, c)
	}
	var calls awsstub.Counter
	f := New(stubClient(calls.Wrap(h)), metricquery.Options{})
	start := time.Now()
	res, err := f.Fetch(context.Background(), metricquery.Request{Region: "us-east-1", Targets: targets, Window: w, Stats: []string{"Average"}})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Total() != batches || res.MetricsRequested != batches*metricquery.MaxQueriesPerCall {
		t.Errorf("%d calls, %d metrics requested; want %d and %d", calls.Total(), res.MetricsRequested, batches, batches*metricquery.MaxQueriesPerCall)
	}
	// One round trip, with room for a busy machine; one batch after another
	// would take 8.
	if took > 3*latency {
		t.Errorf("%d batches took %s at %s a call: %.1f round trips, want about 1", batches, took, latency, took.Seconds()/latency.Seconds())
	}
	if p := peak.Load(); p < 2 || p > 10 {
		t.Errorf("%d calls in flight at most, want them together under the bound of 10", p)
	}
	for i, rm := range res.Resources {
		if rm.ID != targets[i].ID {
			t.Fatalf("resource %d is %s, want %s: the order asked", i, rm.ID, targets[i].ID)
		}
		for _, m := range rm.Metrics {
			if pts := m.Stats["Average"]; len(pts) != 3 || pts[0].V != valueOf(rm.ID, m.Name, "Average", 0) {
				t.Fatalf("%s %s: %v, not its own series", rm.ID, m.Name, pts)
			}
		}
	}

	// The fifth batch fails: the request fails, as when batches ran in turn.
	failing := func(ctx context.Context, c awsstub.Call) (any, error) {
		if in := c.Input.(*cloudwatch.GetMetricDataInput); aws.ToString(in.MetricDataQueries[0].Id) == fmt.Sprintf("q%d", 4*metricquery.MaxQueriesPerCall) {
			return nil, awsstub.APIError("AccessDenied", "not allowed")
		}
		return fake.handle(ctx, c)
	}
	res, err = New(stubClient(awsstub.Delay(latency, failing)), metricquery.Options{}).Fetch(context.Background(),
		metricquery.Request{Region: "us-east-1", Targets: targets, Window: w, Stats: []string{"Average"}})
	if res != nil || cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
		t.Errorf("one batch denied: got %v, %v; want the request failed as access denied", res, err)
	}
}
