package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/cloudscope/cloudscope/shared/costs/costquery"
)

// Costs is what the cost routes need.
type Costs interface {
	Report(ctx context.Context, q costquery.Query) (*costquery.Report, error)
	Forecast(ctx context.Context, q costquery.ForecastQuery) (*costquery.Forecast, error)
}

// parseCostsQuery turns the query string of GET /costs into a cost query.
func parseCostsQuery(raw string, a *api) (costquery.Query, error) {
	q, err := parseQuery(raw, costsParams)
	if err != nil {
		return costquery.Query{}, err
	}
	return costquery.NewQuery(costquery.QueryInput{Days: q.Get("days"), Start: q.Get("start"), End: q.Get("end"),
		Granularity: q.Get("granularity"), GroupBy: q.Get("group_by"), Metric: q.Get("metric"),
		Accounts: listParam(q, "accounts")}, a.now())
}

func (a *api) costs(w http.ResponseWriter, r *http.Request) error {
	q, err := parseCostsQuery(r.URL.RawQuery, a)
	if err != nil {
		return err
	}
	rep, err := a.deps.Costs.Report(r.Context(), q)
	if err != nil {
		var billed *costquery.BilledError
		if errors.As(err, &billed) {
			a.log.WarnContext(r.Context(), "costs failed after billed requests", "query", q.String(), "cost_explorer_requests", billed.Requests)
		}
		return err
	}
	a.logCostRequests(r, q.String(), rep.Fetched)
	return ok(w, rep)
}

func (a *api) costForecast(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.RawQuery, forecastParams)
	if err != nil {
		return err
	}
	fq, err := costquery.NewForecastQuery(q.Get("days"), q.Get("granularity"), q.Get("metric"), listParam(q, "accounts"), a.now())
	if err != nil {
		return err
	}
	f, err := a.deps.Costs.Forecast(r.Context(), fq)
	if err != nil {
		return err
	}
	a.logCostRequests(r, fq.String(), f.Fetched)
	return ok(w, f)
}

// logCostRequests logs what an answer cost: Cost Explorer bills $0.01 a request.
func (a *api) logCostRequests(r *http.Request, query string, f costquery.Fetched) {
	a.log.InfoContext(r.Context(), "costs", "query", query, "cached", f.Cached, "cost_explorer_requests", f.Requests)
	if f.CacheError != "" {
		a.log.WarnContext(r.Context(), "cost cache failed: answers are fetched afresh, each a billed request", "error", f.CacheError)
	}
}
