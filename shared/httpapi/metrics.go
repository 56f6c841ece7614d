package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics"
)

// Metrics is what the metrics route needs.
type Metrics interface {
	Fetch(ctx context.Context, req metrics.Request) (*metrics.Result, error)
}

// ParseMetricsQuery turns the query string of GET /metrics into a metrics request.
func ParseMetricsQuery(raw string, now time.Time) (metrics.Request, error) {
	q, err := parseQuery(raw, metricsParams)
	if err != nil {
		return metrics.Request{}, err
	}
	return metrics.NewRequest(metrics.RequestInput{
		Type: q.Get("resource_type"), IDs: listParam(q, "resource_ids"), Region: q.Get("region"),
		Hours: q.Get("hours"), Start: q.Get("start"), End: q.Get("end"), Period: q.Get("period"),
		Stats: listParam(q, "stats"),
	}, now)
}

func (a *api) metrics(w http.ResponseWriter, r *http.Request) error {
	req, err := ParseMetricsQuery(r.URL.RawQuery, a.now())
	if err != nil {
		return err
	}
	if err := a.checkRegions(r.Context(), "region", req.Region); err != nil {
		return err
	}
	res, err := a.deps.Metrics.Fetch(r.Context(), req)
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "metrics", "resources", len(res.Resources), "queries", res.Queries, "cloudwatch_calls", res.Calls)
	return ok(w, res)
}
