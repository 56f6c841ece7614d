package metrics

import "github.com/cloudscope/cloudscope/shared/metrics/metricquery"

// The requests, windows, results and catalogue are metricquery's, which
// imports no SDK service; these names keep them where the CloudWatch
// reader's callers look.
type (
	Options      = metricquery.Options
	Target       = metricquery.Target
	Want         = metricquery.Want
	Request      = metricquery.Request
	RequestInput = metricquery.RequestInput
	Result       = metricquery.Result
	Grid         = metricquery.Grid
	Coalesced    = metricquery.Coalesced
	Definition   = metricquery.Definition
)

// The limits of a request (metricquery's).
const (
	MaxQueriesPerCall    = metricquery.MaxQueriesPerCall
	MaxDatapointsPerCall = metricquery.MaxDatapointsPerCall
	MaxIDs               = metricquery.MaxIDs
	MaxHours             = metricquery.MaxHours
	ClockSkew            = metricquery.ClockSkew
	MaxAge               = metricquery.MaxAge
	MaxPoints            = metricquery.MaxPoints
	MaxReuse             = metricquery.MaxReuse
)

// The catalogue, and what reading it calls (metricquery's).
var (
	Catalogue  = metricquery.Catalogue
	Floor      = metricquery.Floor
	IAMActions = metricquery.IAMActions
)

// The functions of requests and windows (metricquery's).
var (
	NewRequest       = metricquery.NewRequest
	NewGrid          = metricquery.NewGrid
	Trailing         = metricquery.Trailing
	Coalesce         = metricquery.Coalesce
	IsPercentile     = metricquery.IsPercentile
	AvailableStats   = metricquery.AvailableStats
	LoadBalancerKind = metricquery.LoadBalancerKind
)
