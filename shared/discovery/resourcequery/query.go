package resourcequery

import (
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
	if q.Types, err = cloudscope.ParseResourceTypes("types", types); err != nil {
		return Query{}, err
	}
	return q, nil
}
