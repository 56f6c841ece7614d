package httpapi

import (
	"net/http"

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

// resourcesData is the data of GET /resources.
type resourcesData struct {
	Regions   []string                  `json:"regions"`
	Types     []cloudscope.ResourceType `json:"types"`
	Counts    counts                    `json:"counts"`
	Resources []cloudscope.Resource     `json:"resources"`
	Errors    []cloudscope.Failure      `json:"errors"`
}

type counts struct {
	Total    int                             `json:"total"`
	ByType   map[cloudscope.ResourceType]int `json:"by_type"`
	ByRegion map[string]int                  `json:"by_region"`
}

func (a *api) resources(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseResourcesQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := a.checkRegions(r.Context(), "regions", q.Regions...); err != nil {
		return err
	}
	inv, err := a.deps.Discovery.Discover(r.Context(), q)
	if err != nil {
		return err
	}
	types := q.Types
	if len(types) == 0 {
		types = cloudscope.ResourceTypes
	}
	c := counts{Total: len(inv.Resources), ByType: map[cloudscope.ResourceType]int{}, ByRegion: map[string]int{}}
	for _, t := range types {
		c.ByType[t] = 0
	}
	for _, reg := range inv.Regions {
		c.ByRegion[reg] = 0
	}
	for _, res := range inv.Resources {
		c.ByType[res.Type]++
		c.ByRegion[res.Region]++
	}
	for _, f := range inv.Errors {
		a.log.WarnContext(r.Context(), "could not read", "region", f.Region, "service", f.Service, "code", f.Code, "error", f.Message, "detail", f.Detail)
	}
	a.log.InfoContext(r.Context(), "discovered", "resources", c.Total, "regions", len(inv.Regions), "aws_calls", inv.Calls)
	return ok(w, resourcesData{Regions: inv.Regions, Types: types, Counts: c, Resources: inv.Resources, Errors: inv.Errors})
}
