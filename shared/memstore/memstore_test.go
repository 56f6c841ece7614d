package memstore

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/kvtest"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) scan.Store {
		s := New()
		s.now = clock.Now
		return s
	})
}

func TestInventoryAccountsContract(t *testing.T) {
	storetest.RunInventoryAccounts(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		s := New()
		s.now = clock.Now
		return s
	})
}

func TestInventoryContract(t *testing.T) {
	storetest.RunInventory(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		s := New()
		s.now = clock.Now
		return s
	})
}

func TestPriceCacheContract(t *testing.T) {
	storetest.RunPriceCache(t, func(t *testing.T, clock *storetest.Clock) pricing.PriceCache { return NewPriceCache(clock.Now) })
}

func TestPartsContract(t *testing.T) {
	storetest.RunParts(t, func(t *testing.T, clock *storetest.Clock) storetest.PartsStore {
		s := New()
		s.now = clock.Now
		return s
	})
}

func TestKVContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, clock *kvtest.Clock) kv.Store {
		s := New()
		s.now = clock.Now
		return s.KV()
	})
}
