package costs

import "github.com/cloudscope/cloudscope/shared/costs/costquery"

// The questions and answers are costquery's, which imports no SDK service;
// these names keep them where the Cost Explorer client's callers look.
type (
	Query          = costquery.Query
	QueryInput     = costquery.QueryInput
	ForecastQuery  = costquery.ForecastQuery
	Report         = costquery.Report
	Fetched        = costquery.Fetched
	Period         = costquery.Period
	Forecast       = costquery.Forecast
	ForecastPeriod = costquery.ForecastPeriod
	Options        = costquery.Options
	BilledError    = costquery.BilledError
)

// DateLayout, HistoryMonths and MaxForecastDays are costquery's.
const (
	DateLayout      = costquery.DateLayout
	HistoryMonths   = costquery.HistoryMonths
	MaxForecastDays = costquery.MaxForecastDays
)

// The values a query may take (costquery's).
var (
	Granularities = costquery.Granularities
	Dimensions    = costquery.Dimensions
	Metrics       = costquery.Metrics
)

// NewQuery and NewForecastQuery are costquery's.
var (
	NewQuery         = costquery.NewQuery
	NewForecastQuery = costquery.NewForecastQuery
)
