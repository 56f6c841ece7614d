package discovery

import "github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

// What discovery is asked and finds is resourcequery's, which imports no SDK
// service; these names keep it where discovery's callers look.
type (
	Options      = resourcequery.Options
	Query        = resourcequery.Query
	Inventory    = resourcequery.Inventory
	RegionFilter = resourcequery.RegionFilter
	Selection    = resourcequery.Selection
)

// The limits and the settings' names in messages (resourcequery's).
const (
	MaxRegions       = resourcequery.MaxRegions
	ParamRegions     = resourcequery.ParamRegions
	ParamSkipRegions = resourcequery.ParamSkipRegions
)

// NewQuery and ParseRegionFilter are resourcequery's.
var (
	NewQuery          = resourcequery.NewQuery
	ParseRegionFilter = resourcequery.ParseRegionFilter
)
