package memstore

import (
	"time"

	"github.com/cloudscope/cloudscope/shared/kv"
)

// NewPriceCache returns an empty price cache in process memory (a
// pricing.PriceCache): kv.Cache over kv.Memory; now is its clock (nil:
// time.Now). Expired answers are not served; the answers are few (one per
// product and region), so they are not dropped.
func NewPriceCache(now func() time.Time) *kv.Cache {
	return kv.NewCache(kv.NewMemory(now), "price#", now)
}
