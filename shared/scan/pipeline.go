package scan

import (
	"context"
	"maps"
	"slices"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// The region pipeline every scan runs, whatever its accounts: a region's
// resources, once listed, have their targets picked (target), their
// metrics read (readMetrics, the one read of a region's targets) and the
// rules applied (judge), into the region's part: the shard (RunShard, in
// the shard Lambda, the local pool and the live view) of every scan.

// readAndJudge judges resources (one region's, listed into part), the
// rules that need no metrics at once and those that do chunk resources at
// a time: each chunk's series are read, judged and dropped before the
// next, so a part never holds more than one chunk's series. A chunk whose
// read fails for a passing reason is read once more after pause; a
// failure is recorded in part (the chunk is then judged without metrics:
// its rules that need them are undecided). budget, when set, bounds the
// series held at once across the shards of the process. The error return
// is the context's end.
func (s *Scanner) readAndJudge(ctx context.Context, met Fetcher, part *cloudscope.ShardPart, resources []cloudscope.Resource,
	window metricquery.Grid, started time.Time, chunk int, pause time.Duration, budget *seriesBudget) error {
	var plain, measured []cloudscope.Resource
	for _, r := range resources {
		if _, ok := target(r); ok {
			measured = append(measured, r)
		} else {
			plain = append(plain, r)
		}
	}
	s.judgeInto(ctx, part, plain, resources, nil, window, started)
	for c := range slices.Chunk(measured, max(1, chunk)) {
		held, err := budget.take(ctx, len(c))
		if err != nil {
			return err
		}
		series, err := s.chunkMetrics(ctx, met, part, c, window, pause)
		if err == nil {
			s.judgeInto(ctx, part, c, resources, series, window, started)
		}
		budget.give(held)
		if err != nil {
			return err
		}
	}
	return nil
}

// seriesBudget bounds the resources whose series the shards of one
// process hold at once (a one-account scan's SeriesAtOnce, over the
// regions it reads together): a chunk takes its weight before its read
// and gives it back once judged; a chunk heavier than the whole budget
// waits for it whole, and runs alone. A nil budget bounds nothing.
type seriesBudget struct {
	sem  *semaphore.Weighted
	size int64
}

func newSeriesBudget(size int) *seriesBudget {
	return &seriesBudget{sem: semaphore.NewWeighted(int64(size)), size: int64(size)}
}

// take waits for n resources' room (at most the whole budget), or ctx's end.
func (b *seriesBudget) take(ctx context.Context, n int) (int64, error) {
	if b == nil {
		return 0, nil
	}
	w := min(int64(n), b.size)
	return w, b.sem.Acquire(ctx, w)
}

func (b *seriesBudget) give(w int64) {
	if b != nil && w > 0 {
		b.sem.Release(w)
	}
}

// judgeInto applies the rules to rs among the resources of their region
// (a stopped instance's volumes are found among them) and adds what they
// find to part.
func (s *Scanner) judgeInto(ctx context.Context, part *cloudscope.ShardPart, rs, among []cloudscope.Resource,
	series map[string]*cloudscope.ResourceMetrics, window metricquery.Grid, started time.Time) {
	if len(rs) == 0 {
		return
	}
	judged := s.judge(ctx, rs, among, series, window, started)
	part.Findings = append(part.Findings, judged.Findings...)
	part.Insufficient = append(part.Insufficient, judged.Insufficient...)
}

// chunkMetrics reads a chunk's series (keyed seriesKey), once more after
// pause when the first read failed for a passing reason, and records the
// read in part: its calls and metrics requested, or its failure (nil
// series). The error return is the context's end.
func (s *Scanner) chunkMetrics(ctx context.Context, met Fetcher, part *cloudscope.ShardPart, chunk []cloudscope.Resource,
	window metricquery.Grid, pause time.Duration) (map[string]*cloudscope.ResourceMetrics, error) {
	targets := make([]metricquery.Target, 0, len(chunk))
	for _, r := range chunk {
		t, _ := target(r)
		targets = append(targets, t)
	}
	region := chunk[0].Region
	res, err := s.readMetrics(ctx, met, region, targets, window)
	if err != nil && ctx.Err() == nil && cloudscope.CodeOf(err).Transient() {
		if err := sleep(ctx, pause); err != nil {
			return nil, err
		}
		res, err = s.readMetrics(ctx, met, region, targets, window)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		part.Errors = append(part.Errors, failure(part.Shard.AccountID, region, "cloudwatch", err))
		part.MetricsFailed++
		return nil, nil
	}
	part.MetricsRead++
	part.Calls["cloudwatch:GetMetricData"] += int(res.Calls)
	part.MetricsRequested += res.MetricsRequested
	series := make(map[string]*cloudscope.ResourceMetrics, len(res.Resources))
	for j := range res.Resources {
		series[seriesKey(&res.Resources[j])] = &res.Resources[j]
	}
	return series, nil
}

// Fetcher reads metrics (metrics.Fetcher, or a member account's).
type Fetcher interface {
	Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error)
}

// readMetrics reads what the rules need of targets in region through
// f, as one result: for each target, only the metrics that some rule whose
// precondition holds for its resource reads (bottleneck.PlanReads), over
// the window each read declares (NAT gateways: nat_idle_days of daily
// sums), in two rounds: what the rules always read, then the screened
// reads of the resources whose first round says a rule can still fire. A
// target without its resource is read as before plans: every rule metric.
func (s *Scanner) readMetrics(ctx context.Context, f Fetcher, region string, targets []metricquery.Target, window metricquery.Grid) (*metricquery.Result, error) {
	env := bottleneck.ReadEnv{Thresholds: s.d.Thresholds, Catalogue: s.d.InstanceTypes != nil, Now: window.End}
	res := &metricquery.Result{Region: region, Window: window, Resources: make([]cloudscope.ResourceMetrics, len(targets))}
	for i, t := range targets {
		res.Resources[i] = cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, Metrics: []cloudscope.MetricSeries{}}
	}
	for round := range bottleneck.ReadRounds {
		batch := map[span][]metricquery.Target{}
		owner := map[span][]int{} // the target index of each batch entry
		var unplanned []int
		for i, t := range targets {
			if t.Resource == nil {
				if round == 0 {
					unplanned = append(unplanned, i)
				}
				continue
			}
			reads := bottleneck.PlanReads(*t.Resource, &res.Resources[i], round, env)
			bySpan := map[span][]metricquery.Want{}
			for _, rd := range reads {
				sp := spanOf(rd.PeriodS, rd.WindowD)
				bySpan[sp] = append(bySpan[sp], metricquery.Want{Namespace: rd.Namespace, Name: rd.Name, Stats: rd.Stats})
			}
			for sp, want := range bySpan {
				t.Want = want
				batch[sp] = append(batch[sp], t)
				owner[sp] = append(owner[sp], i)
			}
		}
		reqs := []metricquery.Request{}
		var owners [][]int
		if len(unplanned) > 0 {
			var ts []metricquery.Target
			for _, i := range unplanned {
				ts = append(ts, targets[i])
			}
			reqs = append(reqs, metricquery.Request{Targets: ts, Window: window, Metrics: ruleMetrics})
			owners = append(owners, unplanned)
		}
		for _, sp := range slices.Sorted(maps.Keys(batch)) { // by period, then window
			reqs = append(reqs, metricquery.Request{Targets: batch[sp], Window: metricquery.Trailing(window.End, sp.days(), sp.period())})
			owners = append(owners, owner[sp])
		}
		for k, req := range reqs {
			req.Region, req.ForRules = region, true
			r, err := f.Fetch(ctx, req)
			if err != nil {
				return nil, err
			}
			for j := range r.Resources {
				mergeSeries(&res.Resources[owners[k][j]], &r.Resources[j])
			}
			res.Calls += r.Calls
			res.Queries += r.Queries
			res.MetricsRequested += r.MetricsRequested
		}
	}
	return res, nil
}

// span is a read's period (seconds) and window (days), as one number
// that sorts by period, then window: the period above 10 bits of days
// (CloudWatch keeps 455 days at most), within 31 bits even for a day's
// period.
type span int

func spanOf(periodS int32, days int) span { return span(int(periodS)<<10 | days&(1<<10-1)) }
func (s span) period() int32              { return int32(s >> 10) }
func (s span) days() int                  { return int(s) & (1<<10 - 1) }

// mergeSeries adds src's series to dst, a statistic read in a later round
// to its metric's series.
func mergeSeries(dst, src *cloudscope.ResourceMetrics) {
	dst.HasData = dst.HasData || src.HasData
	for _, m := range src.Metrics {
		i := slices.IndexFunc(dst.Metrics, func(d cloudscope.MetricSeries) bool {
			return d.Name == m.Name && d.Namespace == m.Namespace && d.Period == m.Period
		})
		if i < 0 {
			dst.Metrics = append(dst.Metrics, m)
			continue
		}
		for st, pts := range m.Stats {
			dst.Metrics[i].Stats[st] = pts
		}
	}
}

// judge applies the rules, with the scan's thresholds and prices, to
// resources and their series (keyed seriesKey, nil when a resource has
// none) over window, among the resources of their region (resources may
// be a part of among).
func (s *Scanner) judge(ctx context.Context, resources, among []cloudscope.Resource, series map[string]*cloudscope.ResourceMetrics, window metricquery.Grid, started time.Time) bottleneck.Result {
	inputs := make([]bottleneck.Input, len(resources))
	for j, r := range resources {
		inputs[j] = bottleneck.Input{Resource: r, Metrics: series[string(r.Type)+"/"+r.ID]}
	}
	var src bottleneck.Sources
	if s.d.Prices != nil {
		src.Prices = boundPrices{ctx: ctx, p: s.d.Prices}
	}
	if s.d.InstanceTypes != nil {
		src.Types = boundTypes{ctx: ctx, t: s.d.InstanceTypes}
	}
	return bottleneck.EvaluateWith(inputs, among, s.d.Thresholds, cloudscope.Window{Start: window.Start, End: window.End}, started, src)
}

// seriesKey is how judge finds a resource's series.
func seriesKey(rm *cloudscope.ResourceMetrics) string { return string(rm.Type) + "/" + rm.ID }

// metricsWindow is the window a scan started at reads: Days of hourly
// points ending at the last whole hour.
func metricsWindow(started time.Time) metricquery.Grid {
	return metricquery.Trailing(started.Truncate(time.Hour), Days, 3600)
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newPart is an empty part of shard s.
func newPart(s cloudscope.Shard, started time.Time) *cloudscope.ShardPart {
	return &cloudscope.ShardPart{Shard: s, StartedAt: started, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{},
		Errors: []cloudscope.Failure{}, Calls: map[string]int{}}
}
