package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
	"github.com/cloudscope/cloudscope/shared/snapstore"
)

// The version before kept a bucket per kind: snapshots (id -> gzipped
// header), chunks (a bucket per snapshot: gzipped JSON records under
// "resources#...", "findings#..." and "insufficient#...", a sharded
// snapshot's parts' resources among them), index, statuses, shards, lease
// and parts. Its snapshots are the history a person kept: read once, into
// the kv layout of the first identity that opens the file (they say
// nobody's account), and the old buckets dropped. Statuses (a day long),
// the lease and parts never finalized are dropped.
var (
	bucketSnapshots = []byte("snapshots")
	bucketChunks    = []byte("chunks")
	legacyBuckets   = [][]byte{bucketSnapshots, bucketChunks, []byte("index"), []byte("statuses"), []byte("lease"), []byte("parts"), []byte("shards")}
)

// adopt moves the older layout's snapshots into st.
func (s *Store) adopt(ctx context.Context, st *snapstore.Store) error {
	var ids []string
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSnapshots); b != nil {
			return b.ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil })
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state file of the version before: %w", err)
	}
	for _, id := range ids {
		snap, err := s.legacySnapshot(id)
		if err != nil {
			return fmt.Errorf("state file of the version before: %w", err)
		}
		if err := st.Save(ctx, snap); err != nil && !errors.Is(err, cloudscope.ErrSnapshotExists) {
			return fmt.Errorf("state file of the version before: snapshot %s: %w", id, err)
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range legacyBuckets {
			if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	})
}

// legacySnapshot reads snapshot id as the version before stored it.
func (s *Store) legacySnapshot(id string) (*cloudscope.Snapshot, error) {
	snap := &cloudscope.Snapshot{Resources: []cloudscope.Resource{}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := gzjson.Unmarshal(tx.Bucket(bucketSnapshots).Get([]byte(id)), &snap.SnapshotHeader); err != nil {
			return err
		}
		chunks := tx.Bucket(bucketChunks)
		if chunks == nil || chunks.Bucket([]byte(id)) == nil {
			return nil
		}
		return chunks.Bucket([]byte(id)).ForEach(func(k, v []byte) error {
			kind, _, _ := bytes.Cut(k, []byte("#"))
			switch string(kind) {
			case "resources":
				return appendChunk(v, &snap.Resources)
			case "findings":
				return appendChunk(v, &snap.Findings)
			case "insufficient":
				return appendChunk(v, &snap.Insufficient)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	slices.SortStableFunc(snap.Resources, cloudscope.CompareResources)
	return snap, nil
}

func appendChunk[T any](data []byte, dst *[]T) error {
	var part []T
	if err := gzjson.Unmarshal(data, &part); err != nil {
		return err
	}
	*dst = append(*dst, part...)
	return nil
}
