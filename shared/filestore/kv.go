package filestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudscope/cloudscope/shared/kv"
)

// bucketKV holds the kv store's items: a bucket per partition, in it the
// sort key -> expiry (8 bytes, Unix nanoseconds, 0 for none) then the
// value. bbolt keeps keys in byte order, as DynamoDB keeps sort keys.
// Expired items are not served, and are dropped when the file is opened
// and from the partitions a batch writes to.
var bucketKV = []byte("kv")

// KV is the kv store in the same file (a kv.Store).
func (s *Store) KV() *KV { return &KV{s: s} }

// CostCache is the cost cache in the same file (a costs.Cache): kv.Cache
// over the kv store, each answer in partition "cost#<key>".
func (s *Store) CostCache() *kv.Cache { return kv.NewCache(s.KV(), "cost#", s.now) }

// PriceCache is the price cache in the same file (a pricing.PriceCache):
// kv.Cache over the kv store, each answer in partition "price#<key>".
func (s *Store) PriceCache() *kv.Cache { return kv.NewCache(s.KV(), "price#", s.now) }

// KV keeps kv items in the state file. A conditional put is one bbolt
// transaction (serialisable): IfAbsent needs no further care.
type KV struct{ s *Store }

var _ kv.Store = (*KV)(nil)

func encodeKV(it kv.Item) []byte {
	var exp uint64
	if !it.Expires.IsZero() {
		exp = uint64(it.Expires.UnixNano())
	}
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(it.Value)), exp), it.Value...)
}

// decodeKV is the item stored as v under k, and whether it is live at now.
func decodeKV(k kv.Key, v []byte, now time.Time) (kv.Item, bool) {
	if len(v) < 8 {
		return kv.Item{}, false
	}
	it := kv.Item{Key: k, Value: bytes.Clone(v[8:])}
	if exp := binary.BigEndian.Uint64(v[:8]); exp != 0 {
		it.Expires = time.Unix(0, int64(exp))
	}
	return it, kv.Live(it.Expires, now)
}

// Get returns the unexpired item under k.
func (c *KV) Get(_ context.Context, k kv.Key) (kv.Item, bool, error) {
	var it kv.Item
	var ok bool
	err := c.s.db.View(func(tx *bolt.Tx) error {
		if b := partitionBucket(tx, k.Partition); b != nil {
			if v := b.Get([]byte(k.Sort)); v != nil {
				it, ok = decodeKV(k, v, c.s.now())
			}
		}
		return nil
	})
	if err != nil {
		return kv.Item{}, false, fmt.Errorf("kv item %s %s: %w", k.Partition, k.Sort, err)
	}
	return it, ok, nil
}

func partitionBucket(tx *bolt.Tx, partition string) *bolt.Bucket {
	if root := tx.Bucket(bucketKV); root != nil {
		return root.Bucket([]byte(partition))
	}
	return nil
}

// put stores it in tx under cond.
func (c *KV) put(tx *bolt.Tx, it kv.Item, cond kv.Cond) (*bolt.Bucket, error) {
	if len(it.Value) > kv.MaxValueBytes {
		return nil, fmt.Errorf("kv item %s %s is %d bytes: %w", it.Key.Partition, it.Key.Sort, len(it.Value), kv.ErrTooLarge)
	}
	root, err := tx.CreateBucketIfNotExists(bucketKV)
	if err != nil {
		return nil, err
	}
	b, err := root.CreateBucketIfNotExists([]byte(it.Key.Partition))
	if err != nil {
		return nil, err
	}
	if cond == kv.IfAbsent {
		if v := b.Get([]byte(it.Key.Sort)); v != nil {
			if _, live := decodeKV(it.Key, v, c.s.now()); live {
				return nil, kv.ErrConditionFailed
			}
		}
	}
	return b, b.Put([]byte(it.Key.Sort), encodeKV(it))
}

// Put stores it under cond, in one transaction.
func (c *KV) Put(_ context.Context, it kv.Item, cond kv.Cond) error {
	err := c.s.db.Update(func(tx *bolt.Tx) error {
		_, err := c.put(tx, it, cond)
		return err
	})
	if errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrTooLarge) {
		return err
	}
	if err != nil {
		return fmt.Errorf("kv item %s %s: %w", it.Key.Partition, it.Key.Sort, err)
	}
	return nil
}

// Swap puts it while the live value under its key is old, in one
// transaction.
func (c *KV) Swap(_ context.Context, it kv.Item, old []byte) error {
	err := c.s.db.Update(func(tx *bolt.Tx) error {
		var cur []byte
		live := false
		if b := partitionBucket(tx, it.Key.Partition); b != nil {
			if v := b.Get([]byte(it.Key.Sort)); v != nil {
				var item kv.Item
				item, live = decodeKV(it.Key, v, c.s.now())
				cur = item.Value
			}
		}
		if live != (old != nil) || live && !bytes.Equal(cur, old) {
			return kv.ErrConditionFailed
		}
		_, err := c.put(tx, it, kv.Always)
		return err
	})
	if errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrTooLarge) {
		return err
	}
	if err != nil {
		return fmt.Errorf("kv item %s %s: %w", it.Key.Partition, it.Key.Sort, err)
	}
	return nil
}

// PutBatch stores items in one transaction, and drops the expired items of
// the partitions it wrote to.
func (c *KV) PutBatch(_ context.Context, items []kv.Item) error {
	err := c.s.db.Update(func(tx *bolt.Tx) error {
		touched := map[*bolt.Bucket]bool{}
		for _, it := range items {
			b, err := c.put(tx, it, kv.Always)
			if err != nil {
				return err
			}
			touched[b] = true
		}
		for b := range touched {
			if err := dropExpired(b, c.s.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, kv.ErrTooLarge) {
		return fmt.Errorf("kv batch of %d items: %w", len(items), err)
	}
	return err
}

// dropExpired deletes b's expired items.
func dropExpired(b *bolt.Bucket, now time.Time) error {
	var expired [][]byte
	_ = b.ForEach(func(k, v []byte) error {
		if _, live := decodeKV(kv.Key{}, v, now); !live {
			expired = append(expired, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range expired {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// dropExpiredKV deletes every partition's expired items (when the file is opened).
func dropExpiredKV(tx *bolt.Tx, now time.Time) error {
	root := tx.Bucket(bucketKV)
	if root == nil {
		return nil
	}
	return root.ForEachBucket(func(name []byte) error { return dropExpired(root.Bucket(name), now) })
}

// Delete removes the item under k, if any.
func (c *KV) Delete(_ context.Context, k kv.Key) error {
	err := c.s.db.Update(func(tx *bolt.Tx) error {
		if b := partitionBucket(tx, k.Partition); b != nil {
			return b.Delete([]byte(k.Sort))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("kv item %s %s: %w", k.Partition, k.Sort, err)
	}
	return nil
}

// queryPage is how many items a Query reads in one transaction: fn runs
// outside it, so that fn may write to the store.
const queryPage = 256

// Query calls fn with the partition's unexpired items under prefix after
// after, in order, reading a page at a time.
func (c *KV) Query(_ context.Context, partition, prefix, after string, limit int, fn func(kv.Item) error) error {
	served := 0
	for {
		var page []kv.Item
		more := false
		err := c.s.db.View(func(tx *bolt.Tx) error {
			b := partitionBucket(tx, partition)
			if b == nil {
				return nil
			}
			now := c.s.now()
			cur := b.Cursor()
			k, v := cur.Seek([]byte(max(prefix, after)))
			for ; k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = cur.Next() {
				if string(k) <= after {
					continue
				}
				if len(page) == queryPage {
					more = true
					break
				}
				if it, live := decodeKV(kv.Key{Partition: partition, Sort: string(k)}, v, now); live {
					page = append(page, it)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("kv query of %s: %w", partition, err)
		}
		for _, it := range page {
			if err := fn(it); err != nil {
				if errors.Is(err, kv.ErrStop) {
					return nil
				}
				return err
			}
			if served++; limit > 0 && served == limit {
				return nil
			}
		}
		if !more {
			return nil
		}
		after = page[len(page)-1].Key.Sort
	}
}
