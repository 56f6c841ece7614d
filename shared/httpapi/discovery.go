package httpapi

import (
	"net/http"

	"github.com/cloudscope/cloudscope/shared/inventory"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

type regionsData struct {
	Regions []cloudscope.Region `json:"regions"`
}

func (a *api) regions(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseQuery(r.URL.RawQuery, noParams); err != nil {
		return err
	}
	regions, err := a.deps.Discovery.Regions(r.Context())
	if err != nil {
		return err
	}
	return ok(w, regionsData{Regions: regions})
}

func (a *api) resources(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseResourcesQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := a.checkRegions(r.Context(), "regions", q.Regions...); err != nil {
		return err
	}
	page, err := a.deps.Inventory.List(r.Context(), q)
	if err != nil {
		return err
	}
	if page.Source == inventory.SourceLive {
		for _, f := range page.Errors {
			a.log.WarnContext(r.Context(), "could not read", "region", f.Region, "service", f.Service, "code", f.Code, "error", f.Message, "detail", f.Detail)
		}
	}
	a.log.InfoContext(r.Context(), "resources", "source", page.Source, "snapshot_id", page.SnapshotID, "total", page.Counts.Total, "page", len(page.Resources))
	return ok(w, page)
}
