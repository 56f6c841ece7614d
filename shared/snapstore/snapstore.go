// Package snapstore keeps the scans' snapshots, their index, statuses,
// lease and a sharded scan's parts over the ordered key-value contract
// (kv.Store), written once for every backend: DynamoDB
// (dynamostore.NewKV), the state file (filestore) and process memory
// (memstore). Every partition starts with the scanning identity (Scope),
// so two identities sharing one table or file never see each other's
// scans, `latest` or lease.
//
// Layout, per identity w:
//
//	w#snapshots        <inverted finish time>#<id>  the header (gzipped JSON); newest first
//	w#snapshot#<id>    header                       the header record: header, attempt, chunk counts, accounts,
//	                                                each slim chunk's states and tag keys (sets.go)
//	                   c#<attempt>#r#<group>#<n>    resources, gzipped JSON, group cloudscope.StoredGroup
//	                   c#<attempt>#s#<group>#<n>    the same resources' slim twin (slim.go)
//	                   c#<attempt>#f#<n>            findings
//	                   c#<attempt>#i#<n>            undecided rules
//	                   c#<attempt>#m#<n>            a sharded snapshot's manifest (its parts' attempts)
//	w#scan#<id>        status, shards               a scan's status and its shard counters
//	w#lease            scan                         the one-scan-at-a-time lease
//	w#parts#<scan id>  h#<shard key>                a part's head: its attempt, chunk count, summary
//	                   c#<attempt>#<group>#<n>      its resources
//
// The attempt is random per write, and the header (or a part's head)
// names it with its chunk counts, written last: a reader sees one whole
// attempt or none, and a retried part or scan never mixes its chunks with
// an earlier one's. Group keys sort in the stored order
// (cloudscope.CompareStored), so a page of the stored order, or of some
// regions, reads only the chunks it shows; a filter by account, region,
// type, state or tag key reads only the slim chunks that can hold a match.
package snapstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// DefaultRetention is how long snapshots and parts are kept unless told otherwise.
const DefaultRetention = 90 * 24 * time.Hour

// ChunkRecords is how many records one chunk holds at most (fewer when
// they would not fit kv.MaxValueBytes gzipped).
const ChunkRecords = 500

// Options tune a Store.
type Options struct {
	// Retention is how long a snapshot and a part are kept (DefaultRetention).
	Retention time.Duration
	// Now is the store's clock (time.Now), the kv store's own.
	Now func() time.Time
	// Identity names the scanning identity whose data the store reads and
	// writes (Identity); nil: "local". Asked until it answers, then kept.
	Identity func(ctx context.Context) (string, error)
	// Keep, when positive, bounds the snapshots kept beside retention
	// (process memory): the oldest are deleted past it.
	Keep int
	// Adopt, when set, is called once, when the identity is first known,
	// with a store of that identity: a backend moves data of an older
	// layout into it (filestore's file of the version before).
	Adopt func(ctx context.Context, st *Store) error
}

// Store is a scan.Store, an inventory.Source and a shard.PartStore over a
// kv.Store. It is safe for concurrent use.
type Store struct {
	kv   kv.Store
	o    Options
	mu   sync.Mutex
	who  string
	head sync.Map // identity#id -> *record, of stored snapshots that cannot change (not failed)
	// manifests keeps the manifests of the sharded snapshots read
	// (identity#id#attempt -> []partRef): they never change.
	manifests sync.Map
}

// New returns the store over k.
func New(k kv.Store, o Options) *Store {
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{kv: k, o: o}
}

// KV is the kv store beneath.
func (s *Store) KV() kv.Store { return s.kv }

// Identity is the identity of an account's data: the account, and the
// accounts setting when a scan reads other accounts than its own
// ("<account>" or "<account>~<setting>").
// A long setting (a list of account ids) is named by its digest, so that
// the key stays short.
func Identity(account, accounts string) string {
	if accounts == "" || accounts == "self" {
		return account
	}
	if len(accounts) > 40 {
		sum := sha256.Sum256([]byte(accounts))
		accounts = "h" + hex.EncodeToString(sum[:8])
	}
	return account + "~" + accounts
}

// identity is the scanning identity, asked once it answers.
func (s *Store) identity(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.who != "" {
		return s.who, nil
	}
	w := "local"
	if s.o.Identity != nil {
		var err error
		if w, err = s.o.Identity(ctx); err != nil {
			return "", fmt.Errorf("whose scans to read: %w", err)
		}
	}
	if w == "" {
		w = "local"
	}
	if s.o.Adopt != nil {
		o := s.o
		o.Identity, o.Adopt = func(context.Context) (string, error) { return w, nil }, nil
		if err := s.o.Adopt(ctx, New(s.kv, o)); err != nil {
			return "", err
		}
		s.o.Adopt = nil
	}
	s.who = w
	return w, nil
}

func snapPart(w, id string) string { return kv.Scope(w, "snapshot#"+id) }

// record is what a snapshot's header item holds.
type record struct {
	Header   cloudscope.SnapshotHeader `json:"header"`
	Attempt  string                    `json:"attempt"`
	Chunks   map[string]int            `json:"chunks"`
	Accounts []string                  `json:"accounts,omitempty"`
	Sharded  bool                      `json:"sharded,omitempty"`
	// Groups counts the resources of each chunk of each group, so that a
	// read from an offset of the stored order starts at its chunk.
	Groups map[string][]int `json:"groups,omitempty"`
	// Slim says that each resource chunk has a slim twin,
	// "c#<attempt>#s#<group>#<n>", of the same resources (Slim).
	Slim bool `json:"slim,omitempty"`
	// Sets are each slim chunk's states and tag keys, per group, over
	// the dictionaries States and TagKeys (sets.go).
	Sets    map[string][]chunkSets `json:"sets,omitempty"`
	States  []string               `json:"states,omitempty"`
	TagKeys []string               `json:"tag_keys,omitempty"`
}

// indexKey sorts newest first: the finish time inverted, then the id.
func indexKey(h *cloudscope.SnapshotHeader) string {
	return fmt.Sprintf("%019d#%s", math.MaxInt64-h.FinishedAt.UnixNano(), h.ID)
}

func newAttempt() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// chunkItems is records as items under partition, sort keys prefix#<n>.
func chunkItems[T any](partition, prefix string, records []T, expires time.Time) ([]kv.Item, error) {
	items, _, err := countedChunkItems(partition, prefix, records, expires)
	return items, err
}

// countedChunkItems is chunkItems with the count of records in each.
func countedChunkItems[T any](partition, prefix string, records []T, expires time.Time) ([]kv.Item, []int, error) {
	var items []kv.Item
	var counts []int
	for len(records) > 0 {
		n := min(ChunkRecords, len(records))
		for {
			b, err := gzjson.Marshal(records[:n])
			if err != nil {
				return nil, nil, err
			}
			if len(b) <= kv.MaxValueBytes {
				items = append(items, kv.Item{Key: kv.Key{Partition: partition, Sort: fmt.Sprintf("%s#%05d", prefix, len(items))}, Value: b, Expires: expires})
				counts = append(counts, n)
				break
			}
			if n == 1 {
				return nil, nil, fmt.Errorf("one record is %d bytes compressed, over the item limit", len(b))
			}
			n /= 2
		}
		records = records[n:]
	}
	return items, counts, nil
}

// accountsOf lists the accounts of rs in their groups' key order, ""
// (resources without one) last; nil when none has one.
func accountsOf(rs []cloudscope.Resource) []string {
	seen := map[string]bool{}
	any := false
	for i := range rs {
		seen[rs[i].AccountID] = true
		any = any || rs[i].AccountID != ""
	}
	if !any {
		return nil
	}
	out := slices.Sorted(maps.Keys(seen))
	if out[0] == "" {
		out = append(out[1:], "")
	}
	return out
}

// Save stores snap: its chunks, then its header (on the condition that
// none is there, or a failed scan's), then its index entry.
func (s *Store) Save(ctx context.Context, snap *cloudscope.Snapshot) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	if stored, err := s.record(ctx, w, snap.ID, false); err != nil {
		return err
	} else if stored != nil && !stored.Header.Failed() {
		return s.exists(ctx, w, stored)
	}
	expires := snap.FinishedAt.Add(s.o.Retention)
	part, attempt := snapPart(w, snap.ID), newAttempt()
	rec := &record{Header: snap.SnapshotHeader, Attempt: attempt, Chunks: map[string]int{}, Accounts: accountsOf(snap.Resources), Groups: map[string][]int{}, Slim: true,
		Sets: map[string][]chunkSets{}, States: dictionary(snap.Resources, stateOf), TagKeys: dictionary(snap.Resources, tagKeysOf)}
	var items []kv.Item
	for group, rs := range cloudscope.StoredGroups(snap.Resources) {
		its, counts, err := countedChunkItems(part, "c#"+attempt+"#r#"+group, rs, expires)
		if err != nil {
			return fmt.Errorf("snapshot %s resources: %w", snap.ID, err)
		}
		rec.Groups[group] = counts
		rec.Chunks["resources"] += len(its)
		items = append(items, its...)
		// The slim twin of each chunk, of the same resources.
		for i, n := range counts {
			slim := make([]cloudscope.Resource, n)
			for j := range slim {
				slim[j] = Slim(rs[j])
			}
			rec.Sets[group] = append(rec.Sets[group], setsOf(slim, rec.States, rec.TagKeys))
			rs = rs[n:]
			b, err := encodeSlim(slim)
			if err != nil {
				return err
			}
			items = append(items, kv.Item{Key: kv.Key{Partition: part, Sort: fmt.Sprintf("c#%s#s#%s#%05d", attempt, group, i)}, Value: b, Expires: expires})
		}
	}
	more, err := s.findingItems(part, attempt, snap.Findings, snap.Insufficient, expires, rec)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", snap.ID, err)
	}
	if err := s.kv.PutBatch(ctx, append(items, more...)); err != nil {
		return err
	}
	return s.commit(ctx, w, rec)
}

// findingItems are the findings and undecided chunks, counted into rec.
func (s *Store) findingItems(part, attempt string, fs []cloudscope.Finding, ins []cloudscope.Insufficient, expires time.Time, rec *record) ([]kv.Item, error) {
	f, err := chunkItems(part, "c#"+attempt+"#f", fs, expires)
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	i, err := chunkItems(part, "c#"+attempt+"#i", ins, expires)
	if err != nil {
		return nil, fmt.Errorf("undecided rules: %w", err)
	}
	rec.Chunks["findings"], rec.Chunks["insufficient"] = len(f), len(i)
	return append(f, i...), nil
}

// commit writes rec's header item over none or a failed scan's, then its
// index entry (unless it failed): cloudscope.ErrSnapshotExists when a scan
// of its id is stored.
func (s *Store) commit(ctx context.Context, w string, rec *record) error {
	b, err := gzjson.Marshal(rec)
	if err != nil {
		return err
	}
	key := kv.Key{Partition: snapPart(w, rec.Header.ID), Sort: "header"}
	it := kv.Item{Key: key, Value: b, Expires: rec.Header.FinishedAt.Add(s.o.Retention)}
	for range 5 {
		old, ok, err := s.kv.Get(ctx, key)
		if err != nil {
			return err
		}
		var prev []byte
		if ok {
			var stored record
			if err := gzjson.Unmarshal(old.Value, &stored); err != nil {
				return fmt.Errorf("snapshot %s: %w", rec.Header.ID, err)
			}
			if !stored.Header.Failed() {
				return s.exists(ctx, w, &stored)
			}
			prev = old.Value
		}
		err = s.kv.Swap(ctx, it, prev)
		if errors.Is(err, kv.ErrConditionFailed) {
			continue // another delivery wrote first: look again
		}
		if err != nil {
			return err
		}
		s.head.Delete(w + "#" + rec.Header.ID)
		if rec.Header.Failed() {
			return nil
		}
		if err := s.index(ctx, w, &rec.Header); err != nil {
			return err
		}
		return s.prune(ctx, w)
	}
	return fmt.Errorf("snapshot %s: its header kept changing while it was stored", rec.Header.ID)
}

// exists answers a second store of a stored scan, writing its index entry
// again first: a store cut short between the header and the index is
// completed by the retry that finds it.
func (s *Store) exists(ctx context.Context, w string, stored *record) error {
	if err := s.index(ctx, w, &stored.Header); err != nil {
		return err
	}
	return cloudscope.ErrSnapshotExists
}

// index writes h's index entry.
func (s *Store) index(ctx context.Context, w string, h *cloudscope.SnapshotHeader) error {
	b, err := gzjson.Marshal(h)
	if err != nil {
		return err
	}
	return s.kv.Put(ctx, kv.Item{Key: kv.Key{Partition: kv.Scope(w, "snapshots"), Sort: indexKey(h)}, Value: b,
		Expires: h.FinishedAt.Add(s.o.Retention)}, kv.Always)
}

// prune deletes the snapshots past Keep, oldest first.
func (s *Store) prune(ctx context.Context, w string) error {
	if s.o.Keep <= 0 {
		return nil
	}
	var old []kv.Item
	n := 0
	err := s.kv.Query(ctx, kv.Scope(w, "snapshots"), "", "", 0, func(it kv.Item) error {
		if n++; n > s.o.Keep {
			old = append(old, it)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, it := range old {
		_, id, _ := strings.Cut(it.Key.Sort, "#")
		if err := s.kv.Delete(ctx, it.Key); err != nil {
			return err
		}
		if err := s.dropPartition(ctx, snapPart(w, id)); err != nil {
			return err
		}
		s.head.Delete(w + "#" + id)
	}
	return nil
}

// dropPartition deletes every item of a partition.
func (s *Store) dropPartition(ctx context.Context, partition string) error {
	var keys []kv.Key
	if err := s.kv.Query(ctx, partition, "", "", 0, func(it kv.Item) error { keys = append(keys, it.Key); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.kv.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// record reads snapshot id's header record (nil when none); cached says
// whether a kept one may answer.
func (s *Store) record(ctx context.Context, w, id string, cached bool) (*record, error) {
	if cached {
		if r, ok := s.head.Load(w + "#" + id); ok {
			return r.(*record), nil
		}
	}
	it, ok, err := s.kv.Get(ctx, kv.Key{Partition: snapPart(w, id), Sort: "header"})
	if err != nil || !ok {
		return nil, err
	}
	var r record
	if err := gzjson.Unmarshal(it.Value, &r); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	if r.Header.Notification == "" {
		r.Header.Notification = cloudscope.NotifyNone
	}
	return &r, nil
}

// stored is snapshot id's record as the reads use it: kept once read,
// since a stored scan but a failed one never changes but for its
// notification state (which its reads of resources do not use).
func (s *Store) stored(ctx context.Context, w, id string) (*record, error) {
	r, err := s.record(ctx, w, id, true)
	if err == nil && r != nil && !r.Header.Failed() {
		s.head.Store(w+"#"+id, r)
	}
	return r, err
}

// chunkQuery calls fn with every chunk of partition under prefix, in key order.
func (s *Store) chunkQuery(ctx context.Context, partition, prefix string, fn func(sort string, data []byte) error) error {
	return s.kv.Query(ctx, partition, prefix, "", 0, func(it kv.Item) error { return fn(it.Key.Sort, it.Value) })
}

// readChunks appends every chunk under prefix to dst, checking the count.
func readChunks[T any](ctx context.Context, s *Store, partition, prefix string, want int, dst *[]T) error {
	got := 0
	err := s.chunkQuery(ctx, partition, prefix, func(sort string, data []byte) error {
		got++
		var part []T
		if err := gzjson.Unmarshal(data, &part); err != nil {
			return fmt.Errorf("chunk %s: %w", sort, err)
		}
		*dst = append(*dst, part...)
		return nil
	})
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%d of its %d chunks under %s are stored", got, want, prefix)
	}
	return nil
}

// Get reads snapshot id whole, or nil.
func (s *Store) Get(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	snap, err := s.Findings(ctx, id)
	if snap == nil || err != nil {
		return nil, err
	}
	snap.Resources = []cloudscope.Resource{}
	if err := s.ResourceChunks(ctx, id, nil, func(rs []cloudscope.Resource) error {
		snap.Resources = append(snap.Resources, rs...)
		return nil
	}); err != nil {
		return nil, err
	}
	slices.SortStableFunc(snap.Resources, cloudscope.CompareResources)
	return snap, nil
}

// Findings reads snapshot id's header, findings and undecided rules
// without its resources (Resources nil), or nil.
func (s *Store) Findings(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.record(ctx, w, id, false)
	if r == nil || err != nil {
		return nil, err
	}
	snap := &cloudscope.Snapshot{SnapshotHeader: r.Header, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	part := snapPart(w, id)
	if err := readChunks(ctx, s, part, "c#"+r.Attempt+"#f#", r.Chunks["findings"], &snap.Findings); err != nil {
		return nil, fmt.Errorf("snapshot %s findings: %w", id, err)
	}
	if err := readChunks(ctx, s, part, "c#"+r.Attempt+"#i#", r.Chunks["insufficient"], &snap.Insufficient); err != nil {
		return nil, fmt.Errorf("snapshot %s undecided rules: %w", id, err)
	}
	return snap, nil
}

// latestID is the newest snapshot's header, or nil.
func (s *Store) latest(ctx context.Context) (*cloudscope.SnapshotHeader, error) {
	hs, err := s.List(ctx, 1)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return &hs[0], nil
}

// Latest reads the newest snapshot whole, or nil.
func (s *Store) Latest(ctx context.Context) (*cloudscope.Snapshot, error) {
	h, err := s.latest(ctx)
	if h == nil || err != nil {
		return nil, err
	}
	return s.Get(ctx, h.ID)
}

// LatestFindings is Findings of the newest snapshot, or nil.
func (s *Store) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	h, err := s.latest(ctx)
	if h == nil || err != nil {
		return nil, err
	}
	return s.Findings(ctx, h.ID)
}

// LatestHeader is the newest snapshot's header, or nil.
func (s *Store) LatestHeader(ctx context.Context) (*cloudscope.SnapshotHeader, error) {
	return s.latest(ctx)
}

// Header is snapshot id's header, or nil.
func (s *Store) Header(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.record(ctx, w, id, false)
	if r == nil || err != nil {
		return nil, err
	}
	return &r.Header, nil
}

// List returns up to limit headers, newest first: one Query of the index.
func (s *Store) List(ctx context.Context, limit int) ([]cloudscope.SnapshotHeader, error) {
	return s.list(ctx, "", limit)
}

func (s *Store) list(ctx context.Context, after string, limit int) ([]cloudscope.SnapshotHeader, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	out := []cloudscope.SnapshotHeader{}
	if limit <= 0 {
		return out, nil
	}
	err = s.kv.Query(ctx, kv.Scope(w, "snapshots"), "", after, limit, func(it kv.Item) error {
		var h cloudscope.SnapshotHeader
		if err := gzjson.Unmarshal(it.Value, &h); err != nil {
			return fmt.Errorf("snapshot index %s: %w", it.Key.Sort, err)
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

// Before is the header of the snapshot stored just before id, or nil.
func (s *Store) Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	h, err := s.Header(ctx, id)
	if h == nil || err != nil || h.Failed() {
		return nil, err
	}
	hs, err := s.list(ctx, indexKey(h), 1)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return &hs[0], nil
}

// SetNotification moves snapshot id's notification state from from to
// state (a Swap of its header, then its index entry), or answers
// cloudscope.ErrStateChanged.
func (s *Store) SetNotification(ctx context.Context, id, from, state string) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	key := kv.Key{Partition: snapPart(w, id), Sort: "header"}
	old, ok, err := s.kv.Get(ctx, key)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("snapshot %s is not stored", id)
	}
	var r record
	if err := gzjson.Unmarshal(old.Value, &r); err != nil {
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	if r.Header.Notification != from {
		return cloudscope.ErrStateChanged
	}
	r.Header.Notification = state
	b, err := gzjson.Marshal(&r)
	if err != nil {
		return err
	}
	err = s.kv.Swap(ctx, kv.Item{Key: key, Value: b, Expires: old.Expires}, old.Value)
	if errors.Is(err, kv.ErrConditionFailed) {
		return cloudscope.ErrStateChanged
	}
	if err != nil {
		return err
	}
	s.head.Delete(w + "#" + id)
	if r.Header.Failed() {
		return nil
	}
	return s.index(ctx, w, &r.Header)
}
