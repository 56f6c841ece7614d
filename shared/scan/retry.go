package scan

import (
	"cmp"
	"context"
	"fmt"
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
		snap.Errors = append(snap.Errors, failure("", region, "cloudwatch", err))
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
// f, as one result: NAT gateways over their rule's longer window
// (longWindow), the rest over window.
func (s *Scanner) FetchRuleMetrics(ctx context.Context, f Fetcher, region string, targets []metrics.Target, window metrics.Window) (*metrics.Result, error) {
	var short, long []metrics.Target
	for _, t := range targets {
		if t.Type == cloudscope.NATGateway {
			long = append(long, t)
		} else {
			short = append(short, t)
		}
	}
	res := &metrics.Result{Region: region, Window: window}
	for _, q := range []struct {
		targets []metrics.Target
		w       metrics.Window
	}{{short, window}, {long, s.longWindow(window)}} {
		if len(q.targets) == 0 {
			continue
		}
		r, err := f.Fetch(ctx, metrics.Request{Region: region, Targets: q.targets, Window: q.w, Metrics: ruleMetrics, ForRules: true})
		if err != nil {
			return nil, err
		}
		res.Resources = append(res.Resources, r.Resources...)
		res.Calls += r.Calls
		res.MetricsRequested += r.MetricsRequested
	}
	return res, nil
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
