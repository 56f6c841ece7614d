package discovery

import (
	"slices"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// MaxRegions bounds the regions of one query.
const MaxRegions = cloudscope.MaxListValues

// NewQuery validates what a caller asks discovery for: region names (their
// shape; whether each is enabled is CheckRegions's to say) and resource types
// in any case. Values are trimmed, blanks dropped and repeats removed; an
// error names the parameter at fault ("regions" or "types").
func NewQuery(regions, types []string) (Query, error) {
	var q Query
	names, err := cloudscope.List("regions", regions, MaxRegions)
	if err != nil {
		return Query{}, err
	}
	for _, r := range names {
		if err := cloudscope.CheckRegionName("regions", r); err != nil {
			return Query{}, err
		}
	}
	q.Regions = names
	typeNames, err := cloudscope.List("types", types, cloudscope.MaxListValues)
	if err != nil {
		return Query{}, err
	}
	q.Types = make([]cloudscope.ResourceType, 0, len(typeNames))
	for _, n := range typeNames {
		t, err := cloudscope.ParseResourceType("types", n)
		if err != nil {
			return Query{}, err
		}
		if !slices.Contains(q.Types, t) {
			q.Types = append(q.Types, t)
		}
	}
	return q, nil
}
