package httpapi

import (
	"context"
	"net/http"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Anomalies is what GET /anomalies needs: the stored spend anomalies
// (anomaly.Service).
type Anomalies interface {
	List(ctx context.Context, f anomaly.Filter) ([]cloudscope.Anomaly, error)
}

var anomaliesParams = params{names: []string{"days", "service", "account", "status"}}

// AnomalyList is the answer of GET /anomalies.
type AnomalyList struct {
	Days      int                  `json:"days"`
	Count     int                  `json:"count"`
	Anomalies []cloudscope.Anomaly `json:"anomalies"`
}

func (a *api) anomalies(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.RawQuery, anomaliesParams)
	if err != nil {
		return err
	}
	f, err := anomaly.NewFilter(q.Get("days"), q.Get("service"), q.Get("account"), q.Get("status"))
	if err != nil {
		return err
	}
	list, err := a.deps.Anomalies.List(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, AnomalyList{Days: f.Days, Count: len(list), Anomalies: list})
}
