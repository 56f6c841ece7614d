package filestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketPrices holds Price List answers: key -> expiry (8 bytes, Unix
// seconds) then the answer.
var bucketPrices = []byte("prices")

// PriceCache is the price cache in the same file (a pricing.PriceCache).
func (s *Store) PriceCache() *PriceCache { return &PriceCache{s: s} }

// PriceCache keeps Price List answers until they expire.
type PriceCache struct{ s *Store }

// Get returns the answer stored under key, unless it has expired.
func (c *PriceCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	var val []byte
	err := c.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPrices)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if len(v) < 8 || c.s.now().Unix() >= int64(binary.BigEndian.Uint64(v[:8])) {
			return nil
		}
		val = bytes.Clone(v[8:])
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("price cache entry %q: %w", key, err)
	}
	return val, val != nil, nil
}

// Put stores val under key for ttl, and drops expired answers.
func (c *PriceCache) Put(_ context.Context, key string, val []byte, ttl time.Duration) error {
	entry := binary.BigEndian.AppendUint64(nil, uint64(c.s.now().Add(ttl).Unix()))
	entry = append(entry, val...)
	return c.s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketPrices)
		if err != nil {
			return err
		}
		now := c.s.now().Unix()
		var expired [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			if len(v) < 8 || now >= int64(binary.BigEndian.Uint64(v[:8])) {
				expired = append(expired, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range expired {
			_ = b.Delete(k)
		}
		return b.Put([]byte(key), entry)
	})
}
