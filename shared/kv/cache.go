package kv

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// Cache keeps answers by key for a while in a Store (a costs.Cache and a
// pricing.PriceCache, in every runtime): each answer gzipped, as one item
// under partition "<prefix><key>" and sort key "answer" (a partition per
// key spreads DynamoDB's reads as the keys do), expiring after its time
// to live by the store's expiry.
type Cache struct {
	store  Store
	prefix string
	now    func() time.Time
	// identity, when set, names the scanning identity whose answers these
	// are: the partitions are then Scope(identity, prefix+key).
	identity func(ctx context.Context) (string, error)
}

// NewCache returns the cache in store under prefix ("cost#", "price#");
// now (nil: time.Now) dates the expiries and must be the store's clock.
func NewCache(store Store, prefix string, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{store: store, prefix: prefix, now: now}
}

// For is the cache of the answers of the scanning identity that identity
// names (asked at each read and write; the caller keeps its answer): two
// identities sharing a store never read each other's answers.
func (c *Cache) For(identity func(ctx context.Context) (string, error)) *Cache {
	scoped := *c
	scoped.identity = identity
	return &scoped
}

func (c *Cache) key(ctx context.Context, key string) (Key, error) {
	if c.identity == nil {
		return Key{Partition: c.prefix + key, Sort: "answer"}, nil
	}
	who, err := c.identity(ctx)
	if err != nil {
		return Key{}, fmt.Errorf("whose answers to read: %w", err)
	}
	return Key{Partition: Scope(who, c.prefix+key), Sort: "answer"}, nil
}

// Get returns the answer stored under key, unless it has expired.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	k, err := c.key(ctx, key)
	if err != nil {
		return nil, false, err
	}
	it, ok, err := c.store.Get(ctx, k)
	if err != nil || !ok {
		return nil, false, err
	}
	val, err := gzjson.Decompress(it.Value)
	if err != nil {
		return nil, false, fmt.Errorf("cached answer %q: %w", c.prefix+key, err)
	}
	return val, true, nil
}

// Put stores val under key for ttl. An answer too large for an item even
// gzipped is not stored, and says so.
func (c *Cache) Put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	z, err := gzjson.Compress(val)
	if err != nil {
		return err
	}
	if len(z) > MaxValueBytes {
		return fmt.Errorf("answer for %q is %d bytes compressed, too large to cache (at most %d): choose a coarser granularity", c.prefix+key, len(z), MaxValueBytes)
	}
	k, err := c.key(ctx, key)
	if err != nil {
		return err
	}
	if err := c.store.Put(ctx, Item{Key: k, Value: z, Expires: c.now().Add(ttl)}, Always); err != nil {
		return fmt.Errorf("caching the answer for %q: %w", c.prefix+key, err)
	}
	return nil
}
