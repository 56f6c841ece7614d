package dynamostore

import (
	"time"

	"github.com/cloudscope/cloudscope/shared/kv"
)

// NewCostCache returns the cost cache in table (a costs.Cache): kv.Cache
// over the kv store, one item per question under pk "kv#cost#<key>".
func NewCostCache(client KVAPI, table string, now func() time.Time) *kv.Cache {
	return kv.NewCache(NewKV(client, table, now), "cost#", now)
}

// PriceCacheIAMActions are what the price cache calls.
var PriceCacheIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// NewPriceCache returns the price cache in table (a pricing.PriceCache):
// kv.Cache over the kv store, one item per product and region under pk
// "kv#price#<region>#<item>".
func NewPriceCache(client KVAPI, table string, now func() time.Time) *kv.Cache {
	return kv.NewCache(NewKV(client, table, now), "price#", now)
}
