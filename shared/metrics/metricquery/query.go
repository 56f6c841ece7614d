package metricquery

import (
	"regexp"
	"slices"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

const (
	// MaxQueriesPerCall is GetMetricData's limit on queries per request.
	MaxQueriesPerCall = 500
	// MaxDatapointsPerCall is GetMetricData's limit on datapoints per response.
	MaxDatapointsPerCall = 100800
)

// Options tune a Fetcher. The zero value gives the defaults.
type Options struct {
	// Concurrency bounds the GetMetricData calls in flight for one Fetch,
	// which reads one region (default 10): a region's batches run together,
	// one round trip for up to 10 batches (5,000 queries), while the calls
	// stay well under the 50 requests/s quota of the region.
	Concurrency int
	// RatePerSecond bounds the calls started per second and region (default
	// 40, under GetMetricData's quota of 50 per second, leaving room for
	// other tools); up to that many may start at once.
	RatePerSecond int
	// NoPercentiles leaves out percentile statistics (p99): an emulator that
	// cannot compute them fails the whole call.
	NoPercentiles bool
}

// Target is one resource to read metrics for. InstanceType, when known, lets
// metrics only burstable instances publish be skipped for the others. Kind
// is a load balancer's (LoadBalancerKind of its id when empty): it picks the
// namespace its metrics are in.
type Target struct {
	Type         cloudscope.ResourceType
	ID           string
	InstanceType string
	Kind         string
	// Want, when set, keeps the target to these metrics and statistics
	// (what the rules planned to read of it); a statistic the catalogue
	// does not serve for the metric is left out. Empty: the catalogue's.
	Want []Want
	// Resource is the discovered resource, when the caller has it: what
	// the rules' plan of reads looks at (its state, size, settings).
	Resource *cloudscope.Resource
}

// Want is one metric, and the statistics of it, that a target needs.
type Want struct {
	Namespace string // "" matches the metric in any namespace
	Name      string
	Stats     []string
}

// Request is one region's targets over one window. Stats and Metrics, when
// set, keep only those statistics and metric names.
type Request struct {
	// Account is the account the resources are in, when the caller named
	// one; the service reads with the credentials it was built with, so
	// whoever routes the request checks that they are that account's.
	Account string
	Region  string
	Targets []Target
	Window  Grid
	Stats   []string
	Metrics []string
	// ForRules also reads what only the scan's rules read (the
	// definitions' RuleStats and RuleOnly metrics).
	ForRules bool
}

// Result is the series of every target, in the order asked.
type Result struct {
	Region    string                       `json:"region"`
	Window    Grid                         `json:"window"`
	Resources []cloudscope.ResourceMetrics `json:"resources"`
	// Calls counts the GetMetricData requests made.
	Calls int64 `json:"-"`
	// Queries counts the metric queries sent.
	Queries int `json:"-"`
	// MetricsRequested counts the metrics every call asked for, each page of
	// a batch asking again for the batch's queries: what GetMetricData bills
	// (per 1,000 metrics requested).
	MetricsRequested int64 `json:"-"`
}

var percentile = regexp.MustCompile(`^p(100|[1-9]?[0-9](\.[0-9]{1,2})?)$`)

// IsPercentile reports whether stat is a percentile statistic such as p99.
func IsPercentile(stat string) bool { return percentile.MatchString(stat) }

// AvailableStats lists the statistics collected for a resource type.
func AvailableStats(t cloudscope.ResourceType) []string {
	var out []string
	for _, s := range Catalogue[t] {
		for _, st := range s.Stats {
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	return out
}
