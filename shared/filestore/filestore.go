// Package filestore keeps cloudscope's local state in one file: the
// snapshots and their history, the scans' statuses and lease, the records
// that outlive a scan and the cost and price caches, so that `cloudscope
// serve` and `cloudscope scan` keep their history across restarts. It is an embedded bbolt database (pure Go, no
// cgo: the binary stays static); the deployed functions use DynamoDB.
//
// Layout, one bucket each: snapshots (id -> gzipped header), index
// (finished time#id -> id, for every snapshot but failed ones, so the
// newest key is the latest), chunks (a bucket per snapshot: gzipped JSON
// records under "resources#<group>#<n>", "findings#<n>" and
// "insufficient#<n>", the group "<account>#<region>#<type index>", or
// "<region>#<type index>" for resources without an account, as stored
// before accounts), statuses, shards (a sharded scan's counters), lease,
// kv (the kv store's items, and the cost and price caches over them:
// kv.go). Every change is one bbolt
// transaction: serialisable, so the lease, the notification state and the
// shard counters need no further care.
//
// A sharded scan's parts: SavePart writes the part's resource chunks into
// the scan's chunks bucket under "resources#<group> <shard key>#<n>" (the
// space sorts before any key character, so the groups keep the stored
// order) and, in a bucket per scan under parts, "head <shard key>" (the
// chunk keys it wrote) and "sum <shard key>" (its summary, gzipped: the
// part without its resources). A retried shard's SavePart deletes the keys
// its earlier part wrote and writes its own in one transaction: the
// transaction is the attempt, and no reader sees a mix. FinalizeParts
// writes the header, the findings and undecided chunks and the index entry,
// as Save does: the parts' chunks are already where a snapshot's are, so
// nothing is copied and no manifest is needed. Parts never finalized go
// after the retention, like snapshots.
package filestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// DefaultRetention is how long snapshots are kept unless told otherwise.
const DefaultRetention = 90 * 24 * time.Hour

// chunkRecords is how many records one chunk holds.
const chunkRecords = 500

var (
	bucketSnapshots = []byte("snapshots")
	bucketIndex     = []byte("index")
	bucketChunks    = []byte("chunks")
	bucketStatuses  = []byte("statuses")
	bucketLease     = []byte("lease")
	bucketParts     = []byte("parts")
	bucketShards    = []byte("shards")
	leaseKey        = []byte("scan")
)

// ErrInUse is what Open answers when another process has the file open.
var ErrInUse = errors.New("the state file is in use by another cloudscope process")

// Store is the file store. It is safe for concurrent use.
type Store struct {
	db        *bolt.DB
	retention time.Duration
	now       func() time.Time
}

// DefaultPath is where the state lives unless told otherwise:
// $XDG_STATE_HOME/cloudscope/cloudscope.db, else ~/.local/state/cloudscope/cloudscope.db.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for the state file: give --state PATH: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "cloudscope", "cloudscope.db"), nil
}

// Open opens (or creates) the state file at path, keeping snapshots for
// retention (DefaultRetention when zero). now is the clock (time.Now when nil).
func Open(path string, retention time.Duration, now func() time.Time) (*Store, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 3 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s): stop it, start scans from it (the page's Scan now, or POST /scans), or give another --state", ErrInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSnapshots, bucketIndex, bucketChunks, bucketStatuses, bucketLease, bucketParts, bucketShards, bucketKV} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := dropExpiredKV(tx, now()); err != nil {
			return err
		}
		// The caches' buckets of files written before the caches moved
		// into kv: answers only, dropped.
		for _, b := range [][]byte{[]byte("costs"), []byte("prices")} {
			if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
		}
		// One process holds the file (its lock), so a lease found now was
		// left by one that stopped or crashed mid-scan: void.
		return tx.Bucket(bucketLease).Delete(leaseKey)
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &Store{db: db, retention: retention, now: now}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file's path.
func (s *Store) Path() string { return s.db.Path() }

func indexKey(h *cloudscope.SnapshotHeader) []byte {
	return []byte(h.FinishedAt.UTC().Format(time.RFC3339Nano) + "#" + h.ID)
}

// Save stores snap unless its id is stored (other than as a failed scan,
// which a retry replaces), and drops snapshots older than the retention.
func (s *Store) Save(_ context.Context, snap *cloudscope.Snapshot) error {
	header, err := gzjson.Marshal(snap.SnapshotHeader)
	if err != nil {
		return err
	}
	chunks, err := chunksOf(snap)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", snap.ID, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		snaps := tx.Bucket(bucketSnapshots)
		if old := snaps.Get([]byte(snap.ID)); old != nil {
			var h cloudscope.SnapshotHeader
			if err := gzjson.Unmarshal(old, &h); err != nil || !h.Failed() {
				return cloudscope.ErrSnapshotExists
			}
			if err := tx.Bucket(bucketChunks).DeleteBucket([]byte(snap.ID)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
		}
		if err := snaps.Put([]byte(snap.ID), header); err != nil {
			return err
		}
		if err := tx.Bucket(bucketChunks).DeleteBucket([]byte(snap.ID)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		own, err := tx.Bucket(bucketChunks).CreateBucket([]byte(snap.ID))
		if err != nil {
			return err
		}
		for _, c := range chunks {
			if err := own.Put([]byte(c.key), c.data); err != nil {
				return err
			}
		}
		if !snap.Failed() {
			if err := tx.Bucket(bucketIndex).Put(indexKey(&snap.SnapshotHeader), []byte(snap.ID)); err != nil {
				return err
			}
		}
		return s.prune(tx)
	})
}

// prune deletes the snapshots (failed ones too) that finished before the retention.
func (s *Store) prune(tx *bolt.Tx) error {
	cutoff := s.now().Add(-s.retention)
	var old []string
	err := tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		var h cloudscope.SnapshotHeader
		if err := gzjson.Unmarshal(v, &h); err == nil && h.FinishedAt.Before(cutoff) {
			old = append(old, string(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range old {
		var h cloudscope.SnapshotHeader
		if err := gzjson.Unmarshal(tx.Bucket(bucketSnapshots).Get([]byte(id)), &h); err != nil {
			return err
		}
		_ = tx.Bucket(bucketIndex).Delete(indexKey(&h))
		_ = tx.Bucket(bucketSnapshots).Delete([]byte(id))
		if err := dropChunks(tx, []byte(id)); err != nil {
			return err
		}
	}
	// Parts of scans never finalized.
	var abandoned [][]byte
	_ = tx.Bucket(bucketParts).ForEachBucket(func(k []byte) error {
		at, err := time.Parse(time.RFC3339Nano, string(tx.Bucket(bucketParts).Bucket(k).Get(partsAt)))
		if err == nil && at.Before(cutoff) && tx.Bucket(bucketSnapshots).Get(k) == nil {
			abandoned = append(abandoned, bytes.Clone(k))
		}
		return nil
	})
	for _, id := range abandoned {
		if err := dropChunks(tx, id); err != nil {
			return err
		}
	}
	return nil
}

// dropChunks deletes snapshot id's records and parts.
func dropChunks(tx *bolt.Tx, id []byte) error {
	for _, b := range [][]byte{bucketChunks, bucketParts} {
		if err := tx.Bucket(b).DeleteBucket(id); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
	}
	return nil
}

// Get returns snapshot id, or nil.
func (s *Store) Get(_ context.Context, id string) (*cloudscope.Snapshot, error) {
	var snap *cloudscope.Snapshot
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSnapshots).Get([]byte(id))
		if v == nil {
			return nil
		}
		snap = &cloudscope.Snapshot{Resources: []cloudscope.Resource{}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
		if err := gzjson.Unmarshal(v, &snap.SnapshotHeader); err != nil {
			return err
		}
		own := tx.Bucket(bucketChunks).Bucket([]byte(id))
		if own == nil {
			return fmt.Errorf("snapshot %s has no records", id)
		}
		return own.ForEach(func(k, v []byte) error {
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
	if snap != nil {
		// Chunks are keyed by region and type: put the records back in the scan's order.
		slices.SortStableFunc(snap.Resources, cloudscope.CompareResources)
	}
	return snap, err
}

// Findings returns snapshot id's header, findings and undecided rules,
// without its resources (Resources is nil), or nil: it seeks to the
// "findings#" and "insufficient#" chunks and reads no resource chunk.
func (s *Store) Findings(_ context.Context, id string) (*cloudscope.Snapshot, error) {
	var snap *cloudscope.Snapshot
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSnapshots).Get([]byte(id))
		if v == nil {
			return nil
		}
		snap = &cloudscope.Snapshot{Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
		if err := gzjson.Unmarshal(v, &snap.SnapshotHeader); err != nil {
			return err
		}
		own := tx.Bucket(bucketChunks).Bucket([]byte(id))
		if own == nil {
			return fmt.Errorf("snapshot %s has no records", id)
		}
		c := own.Cursor()
		for _, prefix := range []string{"findings#", "insufficient#"} {
			p := []byte(prefix)
			for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
				var err error
				if prefix == "findings#" {
					err = appendChunk(v, &snap.Findings)
				} else {
					err = appendChunk(v, &snap.Insufficient)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return snap, nil
}

// LatestFindings is Findings of the newest snapshot, or nil.
func (s *Store) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	h, err := s.LatestHeader(ctx)
	if h == nil || err != nil {
		return nil, err
	}
	return s.Findings(ctx, h.ID)
}

// LatestHeader is the newest snapshot's header, or nil: one read.
func (s *Store) LatestHeader(_ context.Context) (*cloudscope.SnapshotHeader, error) {
	var h *cloudscope.SnapshotHeader
	err := s.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bucketIndex).Cursor().Last()
		if v == nil {
			return nil
		}
		var err error
		h, err = header(tx, v)
		return err
	})
	return h, err
}

// Header is snapshot id's header, or nil.
func (s *Store) Header(_ context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	var h *cloudscope.SnapshotHeader
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		h, err = header(tx, []byte(id))
		return err
	})
	return h, err
}

// ResourceChunks calls fn with snapshot id's resources in regions (all when
// none), chunk by chunk in the stored order, until fn has enough. The
// chunks are keyed by (account, region, type), so a region's are spread
// over the accounts: the keys are walked in order and the other regions'
// chunks skipped unread (a key costs no decompression).
func (s *Store) ResourceChunks(_ context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error {
	prefix := []byte("resources#")
	err := s.db.View(func(tx *bolt.Tx) error {
		own := tx.Bucket(bucketChunks).Bucket([]byte(id))
		if own == nil {
			return nil
		}
		c := own.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(regions) > 0 && !slices.Contains(regions, chunkRegion(k)) {
				continue
			}
			var part []cloudscope.Resource
			if err := gzjson.Unmarshal(v, &part); err != nil {
				return fmt.Errorf("snapshot %s chunk %s: %w", id, k, err)
			}
			if err := fn(part); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, cloudscope.ErrStop) {
		return nil
	}
	return err
}

// chunkRegion is the region of a resource chunk's key,
// "resources#<group>#<n>" or "resources#<group>#<part>#<n>" (a shard's).
func chunkRegion(k []byte) string {
	group := strings.TrimPrefix(string(k), "resources#")
	if i := strings.Index(group, " "); i >= 0 { // a part's: "<group> <shard key>#<n>"
		group = group[:i]
	} else {
		group = group[:strings.LastIndexByte(group, '#')]
	}
	return cloudscope.StoredGroupRegion(group)
}

// Latest returns the newest snapshot, or nil.
func (s *Store) Latest(ctx context.Context) (*cloudscope.Snapshot, error) {
	var id []byte
	_ = s.db.View(func(tx *bolt.Tx) error {
		if _, v := tx.Bucket(bucketIndex).Cursor().Last(); v != nil {
			id = bytes.Clone(v)
		}
		return nil
	})
	if id == nil {
		return nil, nil
	}
	return s.Get(ctx, string(id))
}

// List returns up to limit headers, newest first.
func (s *Store) List(_ context.Context, limit int) ([]cloudscope.SnapshotHeader, error) {
	out := []cloudscope.SnapshotHeader{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndex).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			h, err := header(tx, v)
			if err != nil {
				return err
			}
			out = append(out, *h)
		}
		return nil
	})
	return out, err
}

// Before returns the header of the snapshot stored just before id, or nil.
func (s *Store) Before(_ context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	var prev *cloudscope.SnapshotHeader
	err := s.db.View(func(tx *bolt.Tx) error {
		cur, err := header(tx, []byte(id))
		if err != nil || cur == nil {
			return err
		}
		c := tx.Bucket(bucketIndex).Cursor()
		k, _ := c.Seek(indexKey(cur))
		if k == nil {
			return nil
		}
		if _, v := c.Prev(); v != nil {
			prev, err = header(tx, v)
		}
		return err
	})
	return prev, err
}

func header(tx *bolt.Tx, id []byte) (*cloudscope.SnapshotHeader, error) {
	v := tx.Bucket(bucketSnapshots).Get(id)
	if v == nil {
		return nil, nil
	}
	var h cloudscope.SnapshotHeader
	if err := gzjson.Unmarshal(v, &h); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return &h, nil
}

// SetNotification moves snapshot id's notification state from from to
// state, or answers cloudscope.ErrStateChanged.
func (s *Store) SetNotification(_ context.Context, id, from, state string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		h, err := header(tx, []byte(id))
		if err != nil {
			return err
		}
		if h == nil {
			return fmt.Errorf("snapshot %s is not stored", id)
		}
		if h.Notification != from {
			return cloudscope.ErrStateChanged
		}
		h.Notification = state
		b, err := gzjson.Marshal(h)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketSnapshots).Put([]byte(id), b)
	})
}

// SetStatus stores a scan's status; it is kept for cloudscope.StatusRetention.
func (s *Store) SetStatus(_ context.Context, st cloudscope.ScanStatus) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		statuses := tx.Bucket(bucketStatuses)
		// Drop those past their retention, so the bucket stays small.
		cutoff := s.now().Add(-cloudscope.StatusRetention)
		var old [][]byte
		_ = statuses.ForEach(func(k, v []byte) error {
			var o cloudscope.ScanStatus
			if json.Unmarshal(v, &o) == nil && o.UpdatedAt.Before(cutoff) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range old {
			_ = statuses.Delete(k)
			_ = tx.Bucket(bucketShards).Delete(k)
		}
		return statuses.Put([]byte(st.ID), b)
	})
}

// Status returns scan id's status, or nil when there is none or it is too old.
func (s *Store) Status(_ context.Context, id string) (*cloudscope.ScanStatus, error) {
	var st *cloudscope.ScanStatus
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStatuses).Get([]byte(id))
		if v == nil {
			return nil
		}
		st = &cloudscope.ScanStatus{}
		if err := json.Unmarshal(v, st); err != nil {
			return err
		}
		st.Shards = nil // SetShardTotal and ShardDone keep those
		if v := tx.Bucket(bucketShards).Get([]byte(id)); v != nil {
			st.Shards = &cloudscope.ShardProgress{}
			return json.Unmarshal(v, st.Shards)
		}
		return nil
	})
	if err != nil || st == nil || st.UpdatedAt.Before(s.now().Add(-cloudscope.StatusRetention)) {
		return nil, err
	}
	return st, nil
}

type lease struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
}

// AcquireScanLease makes id the running scan for ttl, unless another scan
// holds an unexpired lease: then it returns that scan's id.
func (s *Store) AcquireScanLease(_ context.Context, id string, ttl time.Duration) (string, error) {
	holder := ""
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLease)
		var l lease
		if v := b.Get(leaseKey); v != nil {
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
		}
		now := s.now()
		if l.Holder != "" && l.Holder != id && now.Before(l.Until) {
			holder = l.Holder
			return nil
		}
		v, _ := json.Marshal(lease{Holder: id, Until: now.Add(ttl)})
		return b.Put(leaseKey, v)
	})
	return holder, err
}

// ReleaseScanLease ends id's lease, if id holds it.
func (s *Store) ReleaseScanLease(_ context.Context, id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLease)
		var l lease
		if v := b.Get(leaseKey); v != nil && json.Unmarshal(v, &l) == nil && l.Holder == id {
			return b.Delete(leaseKey)
		}
		return nil
	})
}

type chunk struct {
	key  string
	data []byte
}

// chunksOf splits a snapshot's records: resources in the stored order
// (cloudscope.CompareStored) under "resources#<region>#<type index>#<n>",
// so that a page of one region, or the first page of all, reads only the
// chunks it shows.
func chunksOf(snap *cloudscope.Snapshot) ([]chunk, error) {
	var out []chunk
	for group, rs := range cloudscope.StoredGroups(snap.Resources) {
		cs, err := split("resources#"+group, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	for _, part := range []func() ([]chunk, error){
		func() ([]chunk, error) { return split("findings", snap.Findings) },
		func() ([]chunk, error) { return split("insufficient", snap.Insufficient) },
	} {
		cs, err := part()
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

func split[T any](prefix string, records []T) ([]chunk, error) {
	var out []chunk
	for i := 0; i < len(records); i += chunkRecords {
		b, err := gzjson.Marshal(records[i:min(i+chunkRecords, len(records))])
		if err != nil {
			return nil, err
		}
		out = append(out, chunk{key: fmt.Sprintf("%s#%06d", prefix, i/chunkRecords), data: b})
	}
	return out, nil
}

func appendChunk[T any](data []byte, dst *[]T) error {
	var part []T
	if err := gzjson.Unmarshal(data, &part); err != nil {
		return err
	}
	*dst = append(*dst, part...)
	return nil
}
