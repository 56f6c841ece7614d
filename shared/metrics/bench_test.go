package metrics

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// BenchmarkFetch2000Instances reads CPU (Average, Maximum), NetworkIn and
// NetworkOut of 2,000 EC2 instances over 24 hours (8,000 queries), every
// call delayed 50 ms, and compares with the seed design's approach: one
// GetMetricStatistics call per instance and metric, one at a time.
func BenchmarkFetch2000Instances(b *testing.B) {
	const latency = 50 * time.Millisecond
	const instances = 2000
	targets := make([]metricquery.Target, instances)
	for i := range targets {
		targets[i] = metricquery.Target{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%017x", i), InstanceType: "m5.large"}
	}
	now := time.Now()
	w, err := metricquery.NewGrid(now.Add(-24*time.Hour), now, now, 0, metricquery.Floor[cloudscope.EC2], "hours")
	if err != nil {
		b.Fatal(err)
	}
	req := metricquery.Request{Region: "us-east-1", Targets: targets, Window: w, Metrics: []string{"CPUUtilization", "NetworkIn", "NetworkOut"}}

	// The stub stands in for CloudWatch: each distinct call is answered once
	// and replayed, so its own work stays out of the timings and allocations.
	fake := &fakeCloudWatch{}
	var memo sync.Map
	answer := func(ctx context.Context, c awsstub.Call) (any, error) {
		in := c.Input.(*cloudwatch.GetMetricDataInput)
		key := aws.ToString(in.MetricDataQueries[0].Id) + "/" + aws.ToString(in.NextToken)
		if v, ok := memo.Load(key); ok {
			return v, nil
		}
		out, err := fake.handle(ctx, c)
		if err == nil {
			memo.Store(key, out)
		}
		return out, err
	}
	var calls awsstub.Counter
	f := New(stubClient(calls.Wrap(awsstub.Delay(latency, answer))), metricquery.Options{})
	if _, err := f.Fetch(context.Background(), req); err != nil { // warm the stub
		b.Fatal(err)
	}

	// The median of five fetches: one wave of 50 ms calls is short enough for
	// a busy machine's noise to matter.
	var res *metricquery.Result
	var wall time.Duration
	var mallocs uint64
	for b.Loop() {
		var walls []time.Duration
		for range 5 {
			calls = awsstub.Counter{}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			res, err = f.Fetch(context.Background(), req)
			walls = append(walls, time.Since(start))
			runtime.ReadMemStats(&after)
			mallocs = after.Mallocs - before.Mallocs
			if err != nil {
				b.Fatal(err)
			}
		}
		slices.Sort(walls)
		wall = walls[2]
	}
	points := 0
	for _, rm := range res.Resources {
		for _, m := range rm.Metrics {
			for _, pts := range m.Stats {
				points += len(pts)
			}
		}
	}
	lowerBound := (res.Queries + metricquery.MaxQueriesPerCall - 1) / metricquery.MaxQueriesPerCall
	if res.Queries != 8000 || calls.Total() != lowerBound {
		b.Errorf("%d queries in %d calls, want 8000 in %d", res.Queries, calls.Total(), lowerBound)
	}
	waves := (lowerBound + f.opts.Concurrency - 1) / f.opts.Concurrency
	bound := time.Duration(waves) * latency

	// The seed design, on a sample of instances (all 2,000 would take 6,000 x 50 ms = 5 minutes).
	sample := 100
	if v, err := strconv.Atoi(os.Getenv("CLOUDSCOPE_BENCH_SEED_INSTANCES")); err == nil && v > 0 {
		sample = min(v, instances)
	}
	seedCalls, seedTime := seedApproach(b, targets[:sample], w, latency)
	seedCallsAll := seedCalls * instances / sample
	seedTimeAll := seedTime * time.Duration(instances) / time.Duration(sample)

	b.ReportMetric(float64(calls.Total()), "getmetricdata-calls")
	b.ReportMetric(float64(wall.Milliseconds()), "median-wall-ms")
	b.ReportMetric(float64(bound.Milliseconds()), "concurrency-bound-ms")
	b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
	b.ReportMetric(float64(points), "datapoints")
	b.ReportMetric(float64(mallocs)/float64(points), "allocs/datapoint")
	b.ReportMetric(float64(seedCallsAll), "seed-calls")
	b.ReportMetric(seedTimeAll.Seconds(), "seed-s")
	b.ReportMetric(float64(seedCallsAll)/float64(calls.Total()), "x-fewer-calls")
	b.ReportMetric(seedTimeAll.Seconds()/wall.Seconds(), "x-faster")
	b.Logf("seed approach measured on %d instances: %d calls in %s; scaled to %d instances", sample, seedCalls, seedTime.Round(time.Millisecond), instances)
	// Times are reported, not asserted, on a shared 2-core machine; only a
	// gross regression (a lost concurrency bound) fails.
	if wall > bound*5 {
		b.Errorf("wall %s is over 5x the concurrency bound %s: the fetches no longer run concurrently", wall, bound)
	}
}

// seedApproach is the seed design's loop: for each instance, one
// GetMetricStatistics call for CPU (Average and Maximum) and one for each
// network metric, one call at a time.
func seedApproach(b *testing.B, targets []metricquery.Target, w metricquery.Grid, latency time.Duration) (int, time.Duration) {
	var calls awsstub.Counter
	stub := func(_ context.Context, c awsstub.Call) (any, error) {
		in := c.Input.(*cloudwatch.GetMetricStatisticsInput)
		out := &cloudwatch.GetMetricStatisticsOutput{Label: in.MetricName}
		for t := w.Start; t.Before(w.End); t = t.Add(time.Duration(w.Period) * time.Second) {
			out.Datapoints = append(out.Datapoints, cwtypes.Datapoint{Timestamp: aws.Time(t), Average: aws.Float64(1), Maximum: aws.Float64(2), Sum: aws.Float64(3)})
		}
		return out, nil
	}
	client := stubCloudWatch(calls.Wrap(awsstub.Delay(latency, stub)))
	start := time.Now()
	for _, t := range targets {
		for _, m := range []struct {
			name  string
			stats []cwtypes.Statistic
		}{{"CPUUtilization", []cwtypes.Statistic{"Average", "Maximum"}}, {"NetworkIn", []cwtypes.Statistic{"Sum"}}, {"NetworkOut", []cwtypes.Statistic{"Sum"}}} {
			_, err := client.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
				Namespace: aws.String("AWS/EC2"), MetricName: aws.String(m.name),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(t.ID)}},
				StartTime:  aws.Time(w.Start), EndTime: aws.Time(w.End), Period: aws.Int32(w.Period), Statistics: m.stats,
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	return calls.Total(), time.Since(start)
}
