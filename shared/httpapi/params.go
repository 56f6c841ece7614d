package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/inventory"
)

// params are the query parameters a route takes. Each takes one value
// unless it is a list; the validation of the values is each capability's
// (inventory.NewQuery, metricquery.NewRequest, costquery.NewQuery, scan.NewFindingsQuery).
type params struct {
	names []string // every parameter, in the order messages list them
	lists []string // those that take several values; the others take one
}

// The parameters of each route that takes any.
var (
	resourcesParams   = params{names: []string{"accounts", "regions", "types", "states", "tag", "search", "sort", "limit", "cursor", "source"}, lists: []string{"accounts", "regions", "types", "states"}}
	metricsParams     = params{names: []string{"resource_type", "resource_ids", "region", "hours", "start", "end", "period", "stats", "accounts"}, lists: []string{"resource_ids", "stats", "accounts"}}
	costsParams       = params{names: []string{"days", "start", "end", "granularity", "group_by", "metric", "accounts"}, lists: []string{"accounts"}}
	forecastParams    = params{names: []string{"days", "granularity", "metric", "accounts"}, lists: []string{"accounts"}}
	bottlenecksParams = params{names: []string{"accounts", "regions", "severity", "source"}, lists: []string{"accounts", "regions", "severity"}}
	snapshotsParams   = params{names: []string{"limit"}}
	diffParams        = params{names: []string{"base", "accounts"}, lists: []string{"accounts"}}
	noParams          = params{}
)

// parseQuery parses a raw query string. It refuses parameters the route does
// not take, values that are not valid URL encoding, and a single-value
// parameter given more than once, naming the parameter.
func parseQuery(raw string, p params) (url.Values, error) {
	q := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, cloudscope.Invalid(cloudscope.Clip(k), "the parameter name is not valid URL encoding")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, cloudscope.Invalid(cloudscope.Clip(key), "the value is not valid URL encoding")
		}
		q[key] = append(q[key], value)
	}
	var unknown []string
	for name := range q {
		if !slices.Contains(p.names, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		takes := "no parameters"
		if len(p.names) > 0 {
			takes = strings.Join(p.names, ", ")
		}
		name := cloudscope.Clip(unknown[0])
		return nil, &cloudscope.Error{Code: cloudscope.CodeInvalid, Param: name,
			Message: fmt.Sprintf("unknown parameter %q; this route takes: %s", name, takes)}
	}
	for _, name := range p.names {
		if n := len(q[name]); n > 1 && !slices.Contains(p.lists, name) {
			return nil, cloudscope.Invalid(name, "given %d times; it takes one value", n)
		}
	}
	return q, nil
}

// listParam reads a list parameter given in the comma form (a=x,y), the
// repeated form (a=x&a=y, as browsers and jQuery send it) or both. Trimming,
// blanks, repeats and limits are the capability's (cloudscope.List).
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		out = append(out, strings.Split(v, ",")...)
	}
	return out
}

// ParseResourcesQuery turns the query string of GET /resources into a list query.
func ParseResourcesQuery(raw string) (inventory.Query, error) {
	q, err := parseQuery(raw, resourcesParams)
	if err != nil {
		return inventory.Query{}, err
	}
	return inventory.NewQuery(inventory.Input{Accounts: listParam(q, "accounts"), Regions: listParam(q, "regions"), Types: listParam(q, "types"), States: listParam(q, "states"),
		Tag: q.Get("tag"), Search: q.Get("search"), Sort: q.Get("sort"), Limit: q.Get("limit"), Cursor: q.Get("cursor"), Source: q.Get("source")})
}
