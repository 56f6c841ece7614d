package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// Metrics is what the metrics route needs.
type Metrics interface {
	Fetch(ctx context.Context, req metricquery.Request) (*metricquery.Result, error)
}

// ParseMetricsQuery turns the query string of GET /metrics into a metrics request.
func ParseMetricsQuery(raw string, now time.Time) (metricquery.Request, error) {
	q, err := parseQuery(raw, metricsParams)
	if err != nil {
		return metricquery.Request{}, err
	}
	return metricquery.NewRequest(metricquery.RequestInput{
		Type: q.Get("resource_type"), IDs: listParam(q, "resource_ids"), Region: q.Get("region"),
		Hours: q.Get("hours"), Start: q.Get("start"), End: q.Get("end"), Period: q.Get("period"),
		Stats: listParam(q, "stats"), Accounts: listParam(q, "accounts"),
	}, now)
}

func (a *api) metrics(w http.ResponseWriter, r *http.Request) error {
	req, err := ParseMetricsQuery(r.URL.RawQuery, a.now())
	if err != nil {
		return err
	}
	m, err := a.metricsOf(r.Context(), req.Account)
	if err != nil {
		return err
	}
	if err := a.checkRegions(r.Context(), "region", req.Region); err != nil {
		return err
	}
	res, err := m.Fetch(r.Context(), req)
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "metrics", "resources", len(res.Resources), "queries", res.Queries, "cloudwatch_calls", res.Calls)
	return ok(w, res)
}

// metricsOf is the reader of account's metrics: the route's own for its
// credentials' account (or none named), a member's through its role when
// the server reads several accounts (Deps.MemberMetrics).
func (a *api) metricsOf(ctx context.Context, account string) (Metrics, error) {
	if account == "" {
		return a.deps.Metrics, nil
	}
	if a.deps.Account != nil {
		self, err := a.deps.Account(ctx)
		if err != nil {
			return nil, err
		}
		if account == self {
			return a.deps.Metrics, nil
		}
	}
	if a.deps.MemberMetrics != nil {
		return a.deps.MemberMetrics(ctx, account)
	}
	return nil, a.checkAccount(ctx, account)
}

// checkAccount refuses metrics of an account other than the credentials'
// own: the route reads CloudWatch live with the credentials it runs with,
// and does not yet assume a member account's role.
func (a *api) checkAccount(ctx context.Context, account string) error {
	if account == "" {
		return nil
	}
	const why = "the metrics route reads CloudWatch with its own credentials and cannot yet read a member account's metrics through its role"
	if a.deps.Account == nil {
		return cloudscope.Invalid("accounts", "%s, and this server does not know its own account: leave accounts out for the account of its credentials", why)
	}
	self, err := a.deps.Account(ctx)
	if err != nil {
		return err
	}
	if account != self {
		return cloudscope.Invalid("accounts", "%s is not this server's account (%s): %s", account, self, why)
	}
	return nil
}
