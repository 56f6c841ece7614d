package costquery

import (
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Report is the answer to a Query.
type Report struct {
	Query
	Currency string            `json:"currency"`
	Total    cloudscope.Amount `json:"total"`
	// Groups are sorted by amount, largest first.
	Groups []cloudscope.GroupTotal `json:"groups"`
	// Periods are the days (or months) in order, each with its total and
	// its amount per group.
	Periods []Period `json:"periods"`
	Fetched
}

// Fetched says where an answer came from.
type Fetched struct {
	FetchedAt time.Time `json:"fetched_at"`
	Cached    bool      `json:"cached"`
	// Requests is the Cost Explorer requests this answer cost: 0 from the cache.
	Requests int `json:"cost_explorer_requests"`
	// CacheError is why the cache could not serve or keep this answer, for logs.
	CacheError string `json:"-"`
}

// Period is one day or month.
type Period struct {
	Start     string                       `json:"start"`
	End       string                       `json:"end"`
	Total     cloudscope.Amount            `json:"total"`
	Estimated bool                         `json:"estimated"`
	Groups    map[string]cloudscope.Amount `json:"groups"`
}

// Forecast is the answer to a ForecastQuery.
type Forecast struct {
	ForecastQuery
	Currency string            `json:"currency"`
	Total    cloudscope.Amount `json:"total"`
	// PredictionInterval is the confidence, in percent, of each period's bounds.
	PredictionInterval int              `json:"prediction_interval"`
	Periods            []ForecastPeriod `json:"periods"`
	Fetched
}

// ForecastPeriod is one forecast day or month with its prediction interval.
type ForecastPeriod struct {
	Start string            `json:"start"`
	End   string            `json:"end"`
	Mean  cloudscope.Amount `json:"mean"`
	Lower cloudscope.Amount `json:"lower"`
	Upper cloudscope.Amount `json:"upper"`
}

// FetchInfo is where the answer holding f came from (Report and Forecast
// embed Fetched), for the cache that fills it in.
func (f *Fetched) FetchInfo() *Fetched { return f }

// Options tune a Service.
type Options struct {
	// TTL is how long an answer is reused (default 6 hours; Cost Explorer
	// refreshes a few times a day).
	TTL time.Duration
	// Now is the clock, for tests.
	Now func() time.Time
}

// BilledError is a failure after some requests had succeeded, and were
// billed: the caller logs what the failure cost.
type BilledError struct {
	Requests int
	Err      error
}

func (e *BilledError) Error() string { return e.Err.Error() }
func (e *BilledError) Unwrap() error { return e.Err }
