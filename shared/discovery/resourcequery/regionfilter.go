package resourcequery

import (
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The settings' names in messages: the CLI's --regions and --skip-regions,
// the environment's CLOUDSCOPE_REGIONS and CLOUDSCOPE_SKIP_REGIONS, the CDK
// context's cloudscope:regions and cloudscope:skipRegions.
const (
	ParamRegions     = "regions"
	ParamSkipRegions = "skip_regions"
)

// RegionFilter is which regions a scan reads of each account, whatever the
// account has enabled: Only (none: every enabled region) less Skip. An
// organization that denies regions with a service control policy names the
// regions it allows (or those it denies) here, so that its scans are not
// partial every day for a reason it chose; a scan of many accounts applies
// it to each account's own enabled regions.
type RegionFilter struct {
	Only []string `json:"only,omitempty"`
	Skip []string `json:"skip,omitempty"`
}

// ParseRegionFilter reads the two comma lists (each may be empty); an error
// names the setting at fault.
func ParseRegionFilter(only, skip string) (RegionFilter, error) {
	var f RegionFilter
	var err error
	if f.Only, err = regionList(ParamRegions, only); err != nil {
		return RegionFilter{}, err
	}
	if f.Skip, err = regionList(ParamSkipRegions, skip); err != nil {
		return RegionFilter{}, err
	}
	if len(f.Only) > 0 && len(f.Select(f.Only).Read) == 0 {
		return RegionFilter{}, cloudscope.Invalid(ParamSkipRegions, "skips every region of %s: nothing would be read", ParamRegions)
	}
	return f, nil
}

func regionList(param, v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	names, err := cloudscope.List(param, strings.Split(v, ","), MaxRegions)
	if err != nil {
		return nil, err
	}
	for _, r := range names {
		if err := cloudscope.CheckRegionName(param, r); err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	return names, nil
}

// Empty reports whether the filter keeps every enabled region.
func (f RegionFilter) Empty() bool { return len(f.Only) == 0 && len(f.Skip) == 0 }

// String is the filter as the settings write it, for messages.
func (f RegionFilter) String() string {
	var s []string
	if len(f.Only) > 0 {
		s = append(s, ParamRegions+"="+strings.Join(f.Only, ","))
	}
	if len(f.Skip) > 0 {
		s = append(s, ParamSkipRegions+"="+strings.Join(f.Skip, ","))
	}
	if len(s) == 0 {
		return "every enabled region"
	}
	return strings.Join(s, " ")
}

// Selection is what a filter makes of one account's enabled regions.
type Selection struct {
	// Read are the enabled regions the filter keeps, in the given order.
	Read []string
	// NotEnabled are regions of Only the account has not enabled (not
	// opted in): asked for, but not there to read.
	NotEnabled []string
	// Outside are enabled regions not in Only; Skipped enabled regions in Skip.
	Outside []string
	Skipped []string
}

// Select applies the filter to an account's enabled regions.
func (f RegionFilter) Select(enabled []string) Selection {
	var s Selection
	for _, r := range enabled {
		switch {
		case slices.Contains(f.Skip, r):
			s.Skipped = append(s.Skipped, r)
		case len(f.Only) > 0 && !slices.Contains(f.Only, r):
			s.Outside = append(s.Outside, r)
		default:
			s.Read = append(s.Read, r)
		}
	}
	for _, r := range f.Only {
		if !slices.Contains(enabled, r) && !slices.Contains(f.Skip, r) {
			s.NotEnabled = append(s.NotEnabled, r)
		}
	}
	return s
}
