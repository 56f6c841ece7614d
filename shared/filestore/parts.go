package filestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// partsAt is the key, in a scan's parts bucket, of when its first part was
// stored (for the retention of parts never finalized).
var partsAt = []byte("at")

// partHead is what a part wrote in the scan's chunks bucket.
type partHead struct {
	Keys []string `json:"keys"`
}

// SavePart stores a shard's part, replacing wholly, in one transaction,
// the part a retried shard stored before; after its scan is finalized,
// cloudscope.ErrSnapshotExists.
func (s *Store) SavePart(_ context.Context, p *cloudscope.ShardPart) error {
	if err := cloudscope.CheckPart(p); err != nil {
		return err
	}
	key := p.Shard.Key()
	var chunks []chunk
	for group, rs := range cloudscope.StoredGroups(p.Resources) {
		cs, err := split("resources#"+group+" "+key, rs)
		if err != nil {
			return fmt.Errorf("scan %s part %s: %w", p.Shard.ScanID, key, err)
		}
		chunks = append(chunks, cs...)
	}
	summary := *p
	summary.Resources = nil
	sum, err := gzjson.Marshal(&summary)
	if err != nil {
		return err
	}
	head := partHead{Keys: []string{}}
	for _, c := range chunks {
		head.Keys = append(head.Keys, c.key)
	}
	headJSON, err := json.Marshal(head)
	if err != nil {
		return err
	}
	id := []byte(p.Shard.ScanID)
	return s.db.Update(func(tx *bolt.Tx) error {
		// A stored snapshot never changes: a shard retried after its scan
		// was finalized is refused (unless the scan failed, and may be
		// finalized again).
		if old := tx.Bucket(bucketSnapshots).Get(id); old != nil {
			var h cloudscope.SnapshotHeader
			if err := gzjson.Unmarshal(old, &h); err != nil || !h.Failed() {
				return cloudscope.ErrSnapshotExists
			}
		}
		parts, err := tx.Bucket(bucketParts).CreateBucketIfNotExists(id)
		if err != nil {
			return err
		}
		if parts.Get(partsAt) == nil {
			if err := parts.Put(partsAt, []byte(s.now().UTC().Format(time.RFC3339Nano))); err != nil {
				return err
			}
		}
		own, err := tx.Bucket(bucketChunks).CreateBucketIfNotExists(id)
		if err != nil {
			return err
		}
		if old := parts.Get([]byte("head " + key)); old != nil {
			var h partHead
			if err := json.Unmarshal(old, &h); err != nil {
				return fmt.Errorf("scan %s part %s: %w", id, key, err)
			}
			for _, k := range h.Keys {
				if err := own.Delete([]byte(k)); err != nil {
					return err
				}
			}
		}
		for _, c := range chunks {
			if err := own.Put([]byte(c.key), c.data); err != nil {
				return err
			}
		}
		if err := parts.Put([]byte("head "+key), headJSON); err != nil {
			return err
		}
		return parts.Put([]byte("sum "+key), sum)
	})
}

// PartSummaries calls fn with each part of scan id, without its
// resources, in shard key order.
func (s *Store) PartSummaries(_ context.Context, scanID string, fn func(cloudscope.ShardPart) error) error {
	// Read in one transaction, called back after it: fn may take long.
	var sums [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		parts := tx.Bucket(bucketParts).Bucket([]byte(scanID))
		if parts == nil {
			return nil
		}
		c := parts.Cursor()
		prefix := []byte("sum ")
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			sums = append(sums, bytes.Clone(v))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, v := range sums {
		var p cloudscope.ShardPart
		if err := gzjson.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("scan %s part: %w", scanID, err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// FinalizeParts stores the sharded scan h over its parts, as Save would:
// once per id (a failed one may be replaced), indexed unless it failed.
func (s *Store) FinalizeParts(_ context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error {
	header, err := gzjson.Marshal(h)
	if err != nil {
		return err
	}
	fs, err := split("findings", findings)
	if err != nil {
		return err
	}
	is, err := split("insufficient", insufficient)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		snaps := tx.Bucket(bucketSnapshots)
		if old := snaps.Get([]byte(h.ID)); old != nil {
			var oh cloudscope.SnapshotHeader
			if err := gzjson.Unmarshal(old, &oh); err != nil || !oh.Failed() {
				return cloudscope.ErrSnapshotExists
			}
		}
		own, err := tx.Bucket(bucketChunks).CreateBucketIfNotExists([]byte(h.ID))
		if err != nil {
			return err
		}
		// A failed finalize's findings, replaced; the parts' chunks stay.
		for _, prefix := range [][]byte{[]byte("findings#"), []byte("insufficient#")} {
			var stale [][]byte
			c := own.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				stale = append(stale, bytes.Clone(k))
			}
			for _, k := range stale {
				if err := own.Delete(k); err != nil {
					return err
				}
			}
		}
		for _, c := range append(fs, is...) {
			if err := own.Put([]byte(c.key), c.data); err != nil {
				return err
			}
		}
		if err := snaps.Put([]byte(h.ID), header); err != nil {
			return err
		}
		if !h.Failed() {
			if err := tx.Bucket(bucketIndex).Put(indexKey(&h), []byte(h.ID)); err != nil {
				return err
			}
		}
		return s.prune(tx)
	})
}

// SetShardTotal sets scan id's planned shards.
func (s *Store) SetShardTotal(_ context.Context, scanID string, total int) error {
	return s.shards(scanID, func(p *cloudscope.ShardProgress) { p.Total = total })
}

// ShardDone counts one finished shard of scan id, done or failed.
func (s *Store) ShardDone(_ context.Context, scanID string, failed bool) error {
	return s.shards(scanID, func(p *cloudscope.ShardProgress) {
		if failed {
			p.Failed++
		} else {
			p.Done++
		}
	})
}

// shards changes scan id's counters in one transaction.
func (s *Store) shards(scanID string, change func(*cloudscope.ShardProgress)) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketShards)
		var p cloudscope.ShardProgress
		if v := b.Get([]byte(scanID)); v != nil {
			if err := json.Unmarshal(v, &p); err != nil {
				return errors.Join(fmt.Errorf("scan %s shards", scanID), err)
			}
		}
		change(&p)
		v, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return b.Put([]byte(scanID), v)
	})
}
