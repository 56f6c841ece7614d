package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
)

// MaxListValues bounds how many values one list parameter may carry. AWS has
// fewer than 40 regions, so a longer list is a mistake or abuse.
const MaxListValues = 50

// parseQuery parses a raw query string and rejects parameters the route does
// not take, and values that are not valid URL encoding, naming the parameter.
func parseQuery(raw string, allowed ...string) (url.Values, error) {
	q := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, cloudscope.Invalid(truncate(k), "the parameter name is not valid URL encoding")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, cloudscope.Invalid(truncate(key), "the value is not valid URL encoding")
		}
		q[key] = append(q[key], value)
	}
	var unknown []string
	for name := range q {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		takes := "no parameters"
		if len(allowed) > 0 {
			takes = strings.Join(allowed, ", ")
		}
		name := truncate(unknown[0])
		return nil, &cloudscope.Error{Code: cloudscope.CodeInvalid, Param: name,
			Message: fmt.Sprintf("unknown parameter %q; this route takes: %s", name, takes)}
	}
	return q, nil
}

// listParam reads a list parameter given in the comma form (a=x,y), the
// repeated form (a=x&a=y, as browsers and jQuery send it) or both. Blanks are
// dropped and duplicates removed, keeping the first order.
func listParam(q url.Values, name string, limit int) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range q[name] {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" || seen[item] {
				continue
			}
			if len(out) == limit {
				return nil, cloudscope.Invalid(name, "more than %d values given; at most %d are allowed", limit, limit)
			}
			seen[item] = true
			out = append(out, item)
		}
	}
	return out, nil
}

// parseRegions reads the regions parameter and checks each name's shape.
// Whether a region exists and is enabled is for discovery to say.
func parseRegions(q url.Values) ([]string, error) {
	regions, err := listParam(q, "regions", MaxListValues)
	if err != nil {
		return nil, err
	}
	for _, r := range regions {
		if !cloudscope.ValidRegionName(r) {
			return nil, cloudscope.Invalid("regions", "%q is not a region name (expected a name such as us-east-1)", truncate(r))
		}
	}
	return regions, nil
}

// parseTypes reads the types parameter.
func parseTypes(q url.Values) ([]cloudscope.ResourceType, error) {
	names, err := listParam(q, "types", MaxListValues)
	if err != nil {
		return nil, err
	}
	types := make([]cloudscope.ResourceType, 0, len(names))
	for _, n := range names {
		t := cloudscope.ResourceType(strings.ToLower(n))
		if !t.Valid() {
			return nil, cloudscope.Invalid("types", "unknown resource type %q; allowed: %s", truncate(n), joinTypes(cloudscope.ResourceTypes))
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types, nil
}

// ParseResourcesQuery turns the query string of GET /resources into a discovery query.
func ParseResourcesQuery(raw string) (discovery.Query, error) {
	q, err := parseQuery(raw, "regions", "types")
	if err != nil {
		return discovery.Query{}, err
	}
	regions, err := parseRegions(q)
	if err != nil {
		return discovery.Query{}, err
	}
	types, err := parseTypes(q)
	if err != nil {
		return discovery.Query{}, err
	}
	return discovery.Query{Regions: regions, Types: types}, nil
}

func joinTypes(ts []cloudscope.ResourceType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// truncate keeps echoed input short in messages.
func truncate(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%.64s...", s)
	}
	return s
}

// single rejects a parameter given more than once, for those that take one value.
func single(q url.Values, names ...string) error {
	for _, n := range names {
		if len(q[n]) > 1 {
			return cloudscope.Invalid(n, "given %d times; it takes one value", len(q[n]))
		}
	}
	return nil
}
