package scan

import (
	"context"
	"slices"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// What the package's external tests (package scan_test) reach of its
// insides; the package itself exports none of it.
var (
	MetricsWindow = metricsWindow
	Target        = target
	SeriesKey     = seriesKey
)

func RuleMetrics() []string { return slices.Clone(ruleMetrics) }

func (s *Scanner) FetchRuleMetrics(ctx context.Context, f Fetcher, region string, targets []metricquery.Target, window metricquery.Grid) (*metricquery.Result, error) {
	return s.readMetrics(ctx, f, region, targets, window)
}

func (s *Scanner) Judge(ctx context.Context, resources, among []cloudscope.Resource, series map[string]*cloudscope.ResourceMetrics, window metricquery.Grid, started time.Time) bottleneck.Result {
	return s.judge(ctx, resources, among, series, window, started)
}
