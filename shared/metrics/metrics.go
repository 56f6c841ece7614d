// Package metrics reads CloudWatch time series for discovered resources. It
// packs every query of a request into as few GetMetricData calls as the API
// allows (500 queries and 100,800 datapoints per call), runs the calls
// concurrently under a bound and a per-region rate limit, follows every
// NextToken, and maps the results back to resources by query id.
// GetMetricStatistics, one metric per call, is never used.
//
// Periods (window.go): a window given without a period gets the smallest
// period that keeps a series within 200 points, no finer than the type
// publishes (5 minutes for EC2's basic monitoring, daily for S3's storage
// metrics): chart-ready, and a full batch of 500 queries then fits one
// call's 100,800 datapoints. A given period must be a multiple of 60 within
// CloudWatch's retention (1-minute data for 15 days, 5-minute for 63,
// hourly for 455) and give at most 1,440 points. At most 100 ids a request:
// 800 queries for the richest type, two calls.
package metrics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// CloudWatchAPI is the part of the CloudWatch client this package calls.
type CloudWatchAPI interface {
	cloudwatch.GetMetricDataAPIClient
}

// ClientsFrom adapts the shared AWS client set.
func ClientsFrom(c *awsconf.Clients) func(region string) CloudWatchAPI {
	return func(region string) CloudWatchAPI { return cloudwatchclient.In(c, region) }
}

// withDefaults is o with the defaults of what it leaves zero.
func withDefaults(o metricquery.Options) metricquery.Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 10
	}
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = 40
	}
	return o
}

// Fetcher reads metrics. It is safe for concurrent use; build one per process.
type Fetcher struct {
	client   func(region string) CloudWatchAPI
	opts     metricquery.Options
	limiters sync.Map // region -> *limiter
}

// New returns a Fetcher over the per-region CloudWatch clients.
func New(client func(region string) CloudWatchAPI, opts metricquery.Options) *Fetcher {
	return &Fetcher{client: client, opts: withDefaults(opts)}
}

// want is what t wants of spec: ok false when it wants nothing of it.
func want(t metricquery.Target, spec *metricquery.Definition) (stats []string, ok bool) {
	for _, w := range t.Want {
		if w.Name != spec.Name || w.Namespace != "" && w.Namespace != spec.Namespace {
			continue
		}
		for _, st := range w.Stats {
			if (slices.Contains(spec.Stats, st) || slices.Contains(spec.RuleStats, st)) && !slices.Contains(stats, st) {
				stats = append(stats, st)
			}
		}
	}
	return stats, len(stats) > 0
}

// query is one metric and statistic of one resource: where it comes from,
// where its points go (a resource and metric index of the result), and the
// points read so far.
type query struct {
	id          string
	spec        *metricquery.Definition
	target      metricquery.Target
	stat        string
	period      int32
	res, metric int
	points      []cloudscope.Point
}

// burstable reports whether an instance type earns CPU credits (T family).
func burstable(instanceType string) bool {
	return instanceType == "" || strings.HasPrefix(instanceType, "t")
}

// plan builds the result skeleton and one query per target, metric and statistic.
func (f *Fetcher) plan(req metricquery.Request) (*metricquery.Result, []query) {
	res := &metricquery.Result{Region: req.Region, Window: req.Window, Resources: make([]cloudscope.ResourceMetrics, len(req.Targets))}
	var queries []query
	for i, t := range req.Targets {
		rm := &res.Resources[i]
		rm.Type, rm.ID, rm.Metrics = t.Type, t.ID, []cloudscope.MetricSeries{}
		kind := t.Kind
		if kind == "" && t.Type == cloudscope.LoadBalancer {
			kind = metricquery.LoadBalancerKind(t.ID)
		}
		for si := range metricquery.Catalogue[t.Type] {
			spec := &metricquery.Catalogue[t.Type][si]
			if spec.BurstableOnly && !burstable(t.InstanceType) || len(req.Metrics) > 0 && !slices.Contains(req.Metrics, spec.Name) ||
				spec.Kind != "" && spec.Kind != kind || spec.RuleOnly && !req.ForRules && len(t.Want) == 0 {
				continue
			}
			ms := cloudscope.MetricSeries{Name: spec.Name, Namespace: spec.Namespace, Unit: spec.Unit,
				Period: max(req.Window.Period, spec.MinPeriod), Stats: map[string][]cloudscope.Point{}}
			stats := spec.Stats
			if req.ForRules {
				stats = slices.Concat(spec.Stats, spec.RuleStats)
			}
			if len(t.Want) > 0 {
				var ok bool
				if stats, ok = want(t, spec); !ok {
					continue
				}
			}
			for _, st := range stats {
				if len(req.Stats) > 0 && !slices.Contains(req.Stats, st) || f.opts.NoPercentiles && metricquery.IsPercentile(st) {
					continue
				}
				ms.Stats[st] = []cloudscope.Point{}
				queries = append(queries, query{id: fmt.Sprintf("q%d", len(queries)), spec: spec, target: t, stat: st,
					period: ms.Period, res: i, metric: len(rm.Metrics)})
			}
			if len(ms.Stats) > 0 {
				rm.Metrics = append(rm.Metrics, ms)
			}
		}
	}
	return res, queries
}

// Fetch reads every target's metrics over the window. Any call that fails
// after the SDK's retries fails the whole request: a series silently cut
// short would read as missing data.
func (f *Fetcher) Fetch(ctx context.Context, req metricquery.Request) (*metricquery.Result, error) {
	if f.opts.NoPercentiles {
		for _, st := range req.Stats {
			if metricquery.IsPercentile(st) {
				return nil, cloudscope.Invalid("stats", "percentile statistics such as %s are turned off here (the AWS emulator cannot compute them)", st)
			}
		}
	}
	res, queries := f.plan(req)
	res.Queries = len(queries)
	if len(queries) == 0 {
		return res, nil
	}
	// A batch is 500 queries, or fewer when long series would pass the
	// datapoint limit of one response.
	size := min(metricquery.MaxQueriesPerCall, max(1, metricquery.MaxDatapointsPerCall/max(1, req.Window.Points())))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, f.opts.Concurrency)
		calls    atomic.Int64
		asked    atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	lim := f.limiter(req.Region)
	client := f.client(req.Region)
	for batch := range slices.Chunk(queries, size) {
		wg.Go(func() {
			if err := f.runBatch(ctx, client, lim, sem, &calls, &asked, req.Window, batch); err != nil {
				errOnce.Do(func() { firstErr = err; cancel() })
			}
		})
	}
	wg.Wait()
	res.Calls, res.MetricsRequested = calls.Load(), asked.Load()
	if firstErr != nil {
		return nil, firstErr
	}
	for _, q := range queries {
		if len(q.points) == 0 {
			continue
		}
		if !sortedByTime(q.points) { // ScanBy ascending makes this rare
			slices.SortFunc(q.points, func(a, b cloudscope.Point) int { return cmp.Compare(a.T, b.T) })
		}
		rm := &res.Resources[q.res]
		rm.Metrics[q.metric].Stats[q.stat] = q.points
		rm.HasData = true
	}
	return res, nil
}

func (f *Fetcher) runBatch(ctx context.Context, client CloudWatchAPI, lim *limiter, sem chan struct{}, calls, asked *atomic.Int64, w metricquery.Grid, batch []query) error {
	byID := make(map[string]*query, len(batch))
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(w.Start),
		EndTime:   aws.Time(w.End),
		ScanBy:    cwtypes.ScanByTimestampAscending,
	}
	for i := range batch {
		q := &batch[i]
		byID[q.id] = q
		dims := []cwtypes.Dimension{{Name: aws.String(q.spec.Dimension), Value: aws.String(q.target.ID)}}
		for _, k := range sortedKeys(q.spec.Fixed) {
			dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(q.spec.Fixed[k])})
		}
		in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
			Id: aws.String(q.id),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(q.spec.Namespace), MetricName: aws.String(q.spec.Name), Dimensions: dims},
				Period: aws.Int32(q.period),
				Stat:   aws.String(q.stat),
			},
			ReturnData: aws.Bool(true),
		})
	}
	pages := cloudwatch.NewGetMetricDataPaginator(client, in)
	for pages.HasMorePages() {
		if err := lim.wait(ctx); err != nil {
			return err
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		calls.Add(1)
		asked.Add(int64(len(batch)))
		page, err := pages.NextPage(ctx)
		<-sem
		if err != nil {
			return awserr.Wrap(err, "cloudwatch GetMetricData")
		}
		for _, r := range page.MetricDataResults {
			q := byID[aws.ToString(r.Id)]
			if q == nil {
				continue
			}
			if r.StatusCode == cwtypes.StatusCodeForbidden || r.StatusCode == cwtypes.StatusCodeInternalError {
				return &cloudscope.Error{Code: cloudscope.CodeUpstream,
					Message: fmt.Sprintf("cloudwatch GetMetricData: %s for %s %s", r.StatusCode, q.spec.Name, q.target.ID)}
			}
			n := min(len(r.Timestamps), len(r.Values))
			have := len(q.points)
			q.points = slices.Grow(q.points, n)[:have+n]
			dst := q.points[have:]
			for i := range dst {
				dst[i] = cloudscope.Point{T: cloudscope.At(r.Timestamps[i]), V: r.Values[i]}
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare[string])
	return keys
}

func (f *Fetcher) limiter(region string) *limiter {
	if l, ok := f.limiters.Load(region); ok {
		return l.(*limiter)
	}
	l, _ := f.limiters.LoadOrStore(region, newLimiter(f.opts.RatePerSecond))
	return l.(*limiter)
}

// limiter is a token bucket: rate tokens a second, as many at once.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	burst    float64
	tokens   float64
	last     time.Time
}

func newLimiter(rate int) *limiter {
	return &limiter{interval: time.Second / time.Duration(rate), burst: float64(rate), tokens: float64(rate), last: time.Now()}
}

func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := time.Now()
		l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.last))/float64(l.interval))
		l.last = now
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return nil
		}
		delay := time.Duration((1 - l.tokens) * float64(l.interval))
		l.mu.Unlock()
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

func sortedByTime(pts []cloudscope.Point) bool {
	for i := 1; i < len(pts); i++ {
		if pts[i].T < pts[i-1].T {
			return false
		}
	}
	return true
}
