package memstore

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// PriceCache keeps Price List answers in process memory until they expire
// (a pricing.PriceCache).
type PriceCache struct {
	mu    sync.Mutex
	items map[string]priceEntry
	now   func() time.Time
}

type priceEntry struct {
	val     []byte
	expires time.Time
}

// NewPriceCache returns an empty price cache; now is its clock (nil: time.Now).
func NewPriceCache(now func() time.Time) *PriceCache {
	if now == nil {
		now = time.Now
	}
	return &PriceCache{items: map[string]priceEntry{}, now: now}
}

// Get returns the answer stored under key, unless it has expired.
func (c *PriceCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok || !c.now().Before(e.expires) {
		return nil, false, nil
	}
	return bytes.Clone(e.val), true, nil
}

// Put stores val under key for ttl, and drops expired answers.
func (c *PriceCache) Put(_ context.Context, key string, val []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, e := range c.items {
		if !now.Before(e.expires) {
			delete(c.items, k)
		}
	}
	c.items[key] = priceEntry{val: bytes.Clone(val), expires: now.Add(ttl)}
	return nil
}
