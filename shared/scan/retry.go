package scan

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// regionMetrics reads the metrics of a region's resources that the rules
// judge by their metrics, keyed "type/id", and reports progress (p gives
// the region count). A failure is recorded in snap.Errors, the region then
// judged without metrics; in the first pass, a failure for a passing reason
// (throttled, unavailable, timed out) is instead returned as retry, for a
// second pass. The error return is the caller's context ending.
func (s *Scanner) regionMetrics(ctx context.Context, t *tracker, snap *cloudscope.Snapshot, region string, resources []cloudscope.Resource,
	window metrics.Window, p Progress, firstPass bool) (series map[string]*cloudscope.ResourceMetrics, outcome metricsOutcome, err error) {
	return s.recordMetrics(ctx, t, snap, s.fetchRegion(ctx, region, resources, window), p, firstPass)
}

// regionRead is what reading a region's metrics gave: it touches nothing
// shared, so regions are read together.
type regionRead struct {
	region  string
	targets int
	res     *metrics.Result
	err     error
}

// fetchRegion reads the metrics of a region's resources that the rules
// judge by their metrics.
func (s *Scanner) fetchRegion(ctx context.Context, region string, resources []cloudscope.Resource, window metrics.Window) regionRead {
	var targets []metrics.Target
	for _, r := range resources {
		if t, ok := target(r); ok {
			targets = append(targets, t)
		}
	}
	rr := regionRead{region: region, targets: len(targets)}
	if len(targets) > 0 {
		rr.res, rr.err = s.FetchRuleMetrics(ctx, s.d.Metrics, region, targets, window)
	}
	return rr
}

// recordMetrics records a region's read in snap (calls, metrics requested,
// failures) and reports progress; see regionMetrics.
func (s *Scanner) recordMetrics(ctx context.Context, t *tracker, snap *cloudscope.Snapshot, rr regionRead,
	p Progress, firstPass bool) (series map[string]*cloudscope.ResourceMetrics, outcome metricsOutcome, err error) {
	region, res, err := rr.region, rr.res, rr.err
	series = map[string]*cloudscope.ResourceMetrics{}
	if rr.targets == 0 {
		return series, metricsNone, nil
	}
	p.Step = "metrics"
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, metricsNone, ctx.Err()
	case err != nil && firstPass && cloudscope.CodeOf(err).Transient():
		p.Detail = region + ": failed (" + string(cloudscope.CodeOf(err)) + "); read again at the end of the step"
		s.report(ctx, t, p)
		return nil, metricsRetry, nil
	case err != nil:
		snap.Errors = append(snap.Errors, failure(region, "cloudwatch", err))
		p.Detail = region + ": failed; its rules that need metrics are undecided"
		s.report(ctx, t, p)
		return series, metricsFailed, nil
	}
	snap.Calls["cloudwatch:GetMetricData"] += int(res.Calls)
	snap.Bill.AddUnits(bill.GetMetricData, res.MetricsRequested)
	for j := range res.Resources {
		rm := &res.Resources[j]
		series[string(rm.Type)+"/"+rm.ID] = rm
	}
	p.Detail = fmt.Sprintf("%s: %d resources, %d GetMetricData calls", region, rr.targets, res.Calls)
	s.report(ctx, t, p)
	return series, metricsOK, nil
}

// Fetcher reads metrics (metrics.Fetcher, or a member account's).
type Fetcher interface {
	Fetch(ctx context.Context, r metrics.Request) (*metrics.Result, error)
}

// FetchRuleMetrics reads what the rules need of targets in region through
// f, as one result: for each target, only the metrics that some rule whose
// precondition holds for its resource reads (bottleneck.PlanReads), over
// the window each read declares (NAT gateways: nat_idle_days of daily
// sums), in two rounds: what the rules always read, then the screened
// reads of the resources whose first round says a rule can still fire. A
// target without its resource is read as before plans: every rule metric.
func (s *Scanner) FetchRuleMetrics(ctx context.Context, f Fetcher, region string, targets []metrics.Target, window metrics.Window) (*metrics.Result, error) {
	env := bottleneck.ReadEnv{Thresholds: s.d.Thresholds, Catalogue: s.d.InstanceTypes != nil, Now: window.End}
	res := &metrics.Result{Region: region, Window: window, Resources: make([]cloudscope.ResourceMetrics, len(targets))}
	for i, t := range targets {
		res.Resources[i] = cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, Metrics: []cloudscope.MetricSeries{}}
	}
	type span struct {
		period int32
		days   int
	}
	for round := range bottleneck.ReadRounds {
		batch := map[span][]metrics.Target{}
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
			bySpan := map[span][]metrics.Want{}
			for _, rd := range reads {
				sp := span{rd.PeriodS, rd.WindowD}
				bySpan[sp] = append(bySpan[sp], metrics.Want{Namespace: rd.Namespace, Name: rd.Name, Stats: rd.Stats})
			}
			for sp, want := range bySpan {
				t.Want = want
				batch[sp] = append(batch[sp], t)
				owner[sp] = append(owner[sp], i)
			}
		}
		reqs := []metrics.Request{}
		var owners [][]int
		if len(unplanned) > 0 {
			var ts []metrics.Target
			for _, i := range unplanned {
				ts = append(ts, targets[i])
			}
			reqs = append(reqs, metrics.Request{Targets: ts, Window: window, Metrics: ruleMetrics})
			owners = append(owners, unplanned)
		}
		spans := slices.SortedFunc(maps.Keys(batch), func(a, b span) int { return cmp.Or(cmp.Compare(a.period, b.period), cmp.Compare(a.days, b.days)) })
		for _, sp := range spans {
			reqs = append(reqs, metrics.Request{Targets: batch[sp], Window: metrics.Trailing(window.End, sp.days, sp.period)})
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

// metricsOutcome is how reading a region's metrics went.
type metricsOutcome int

const (
	metricsNone   metricsOutcome = iota // nothing to read there
	metricsOK                           // read
	metricsRetry                        // failed for a passing reason: read again at the end
	metricsFailed                       // failed, and reported
)

// metricsRead counts the regions whose metrics were read, and not: a step
// that read none of them has failed.
type metricsRead struct{ ok, failed int }

func (m *metricsRead) add(o metricsOutcome) {
	switch o {
	case metricsOK:
		m.ok++
	case metricsFailed:
		m.failed++
	}
}

// judge applies the rules to a region's resources and their series.
func (s *Scanner) judge(ctx context.Context, snap *cloudscope.Snapshot, resources []cloudscope.Resource, series map[string]*cloudscope.ResourceMetrics, window metrics.Window, started time.Time) {
	judged := s.Judge(ctx, resources, resources, series, window, started)
	snap.Findings = append(snap.Findings, judged.Findings...)
	snap.Insufficient = append(snap.Insufficient, judged.Insufficient...)
}

// Judge applies the rules, with the scan's thresholds and prices, to
// resources and their series (keyed "type/id", nil when a resource has
// none) over window, among the resources of their region (a stopped
// instance's volumes are found among them; resources may be a part of among).
func (s *Scanner) Judge(ctx context.Context, resources, among []cloudscope.Resource, series map[string]*cloudscope.ResourceMetrics, window metrics.Window, started time.Time) bottleneck.Result {
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

// metricsAgain is the metrics step's second pass: after a pause, the
// regions whose metrics failed for a passing reason are read once more,
// then judged with what came back (a second failure is reported in
// snap.Errors). Access denied or an invalid request would fail again, so
// they are never in regions.
func (s *Scanner) metricsAgain(ctx context.Context, t *tracker, snap *cloudscope.Snapshot, regions []string, byRegion map[string][]cloudscope.Resource,
	window metrics.Window, started time.Time, read *metricsRead) error {
	if len(regions) == 0 {
		return nil
	}
	pause := time.NewTimer(s.d.RetryPause)
	defer pause.Stop()
	select {
	case <-pause.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, region := range regions {
		series, outcome, err := s.regionMetrics(ctx, t, snap, region, byRegion[region], window, Progress{RegionsDone: len(byRegion), Regions: len(byRegion)}, false)
		if err != nil {
			return err
		}
		read.add(outcome)
		s.judge(ctx, snap, byRegion[region], series, window, started)
	}
	// Back in region order, as if every region had been read in turn.
	slices.SortStableFunc(snap.Insufficient, func(a, b cloudscope.Insufficient) int { return cmp.Compare(a.Region, b.Region) })
	return nil
}
