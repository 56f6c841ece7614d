// Package memstore keeps snapshots, scan statuses and the kv records
// (kv.Memory) in process memory: for tests, and for a person who chose
// `--state memory`. History lasts as long as the process.
//
// A sharded scan's parts are kept per scan and shard key (a retried shard's
// part replaces its earlier one under the lock, wholly); FinalizeParts
// stores the header, findings and undecided rules, and the snapshot reads
// its resources from the parts it was finalized with (no copy).
package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// Store keeps snapshots in process memory (safe for concurrent use).
// It holds at most MaxSnapshots.
type Store struct {
	mu    sync.Mutex
	snaps map[string][]byte // id -> JSON, so callers never share a snapshot
	// findings is each snapshot's JSON without its resources (Findings).
	findings map[string][]byte
	order    []cloudscope.SnapshotHeader // oldest first

	failed []string // ids of failed scans, kept for Get only; oldest first

	statuses    map[string]cloudscope.ScanStatus
	statusOrder []string // oldest first
	shards      map[string]cloudscope.ShardProgress

	parts     map[string]map[string]storedPart // scan id -> shard key -> part
	partOrder []string                         // scan ids, oldest first
	sharded   map[string][]storedPart          // a finalized sharded snapshot's parts, in key order

	lease      string // the running scan's id
	leaseUntil time.Time
	now        func() time.Time

	records *kv.Memory // the kv store (KV)
}

// MaxSnapshots bounds a Store.
const MaxSnapshots = 50

// New returns an empty store.
func New() *Store {
	m := &Store{snaps: map[string][]byte{}, findings: map[string][]byte{}, now: time.Now, parts: map[string]map[string]storedPart{}, sharded: map[string][]storedPart{},
		shards: map[string]cloudscope.ShardProgress{}}
	m.records = kv.NewMemory(func() time.Time { return m.now() })
	return m
}

// KV is the kv store beside the snapshots (the records that outlive a
// scan): kv.Memory on the store's clock, one per Store.
func (m *Store) KV() *kv.Memory { return m.records }

// drop forgets snapshot id (and the parts it reads).
func (m *Store) drop(id string) {
	delete(m.snaps, id)
	delete(m.findings, id)
	delete(m.sharded, id)
}

// AcquireScanLease makes id the running scan for ttl, unless another scan
// holds an unexpired lease: then it returns that scan's id.
func (m *Store) AcquireScanLease(_ context.Context, id string, ttl time.Duration) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lease != "" && m.lease != id && m.now().Before(m.leaseUntil) {
		return m.lease, nil
	}
	m.lease, m.leaseUntil = id, m.now().Add(ttl)
	return "", nil
}

// ReleaseScanLease ends id's lease, if id holds it.
func (m *Store) ReleaseScanLease(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lease == id {
		m.lease = ""
	}
	return nil
}

// Save stores s unless its id is already stored (other than as a failed
// scan, which a retry replaces). A failed scan is kept for Get only.
func (m *Store) Save(_ context.Context, s *cloudscope.Snapshot) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	head := *s
	head.Resources = nil
	fb, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.snaps[s.ID]; ok && !slices.Contains(m.failed, s.ID) {
		return cloudscope.ErrSnapshotExists
	}
	m.keep(&s.SnapshotHeader, b, fb, nil)
	return nil
}

// keep stores a snapshot's JSON (and a sharded one's parts) and indexes
// it, unless it failed. The caller holds the lock and checked the id.
func (m *Store) keep(h *cloudscope.SnapshotHeader, b, findings []byte, parts []storedPart) {
	m.failed = slices.DeleteFunc(m.failed, func(id string) bool { return id == h.ID })
	m.drop(h.ID)
	m.snaps[h.ID] = b
	m.findings[h.ID] = findings
	if parts != nil {
		m.sharded[h.ID] = parts
	}
	if h.Failed() {
		m.failed = append(m.failed, h.ID)
		if len(m.failed) > MaxSnapshots {
			m.drop(m.failed[0])
			m.failed = m.failed[1:]
		}
		return
	}
	m.order = append(m.order, *h)
	slices.SortStableFunc(m.order, func(a, b cloudscope.SnapshotHeader) int {
		return cmp.Compare(a.FinishedAt.UnixNano(), b.FinishedAt.UnixNano())
	})
	if len(m.order) > MaxSnapshots {
		m.drop(m.order[0].ID)
		m.order = m.order[1:]
	}
}

// Get returns the snapshot id, or nil.
func (m *Store) Get(_ context.Context, id string) (*cloudscope.Snapshot, error) {
	m.mu.Lock()
	b, ok := m.snaps[id]
	parts := m.sharded[id]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var s cloudscope.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if parts == nil {
		return &s, nil
	}
	s.Resources = []cloudscope.Resource{}
	for _, p := range parts {
		var rs []cloudscope.Resource
		if err := json.Unmarshal(p.resources, &rs); err != nil {
			return nil, fmt.Errorf("snapshot %s part %s: %w", id, p.key, err)
		}
		s.Resources = append(s.Resources, rs...)
	}
	slices.SortStableFunc(s.Resources, cloudscope.CompareResources)
	return &s, nil
}

// Latest returns the newest snapshot, or nil.
func (m *Store) Latest(ctx context.Context) (*cloudscope.Snapshot, error) {
	m.mu.Lock()
	if len(m.order) == 0 {
		m.mu.Unlock()
		return nil, nil
	}
	id := m.order[len(m.order)-1].ID
	m.mu.Unlock()
	return m.Get(ctx, id)
}

// Findings returns snapshot id's header, findings and undecided rules,
// without its resources (Resources is nil), or nil.
func (m *Store) Findings(_ context.Context, id string) (*cloudscope.Snapshot, error) {
	m.mu.Lock()
	b, ok := m.findings[id]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var s cloudscope.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	s.Resources = nil
	return &s, nil
}

// LatestFindings is Findings of the newest snapshot, or nil.
func (m *Store) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	m.mu.Lock()
	if len(m.order) == 0 {
		m.mu.Unlock()
		return nil, nil
	}
	id := m.order[len(m.order)-1].ID
	m.mu.Unlock()
	return m.Findings(ctx, id)
}

// List returns up to limit headers, newest first.
func (m *Store) List(_ context.Context, limit int) ([]cloudscope.SnapshotHeader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []cloudscope.SnapshotHeader{}
	for i := len(m.order) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, m.order[i])
	}
	return out, nil
}

// SetNotification moves snapshot id's notification state from from to
// state, or answers cloudscope.ErrStateChanged.
func (m *Store) SetNotification(_ context.Context, id, from, state string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.snaps[id]
	if !ok {
		return fmt.Errorf("snapshot %s is not stored", id)
	}
	var s cloudscope.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s.Notification != from {
		return cloudscope.ErrStateChanged
	}
	s.Notification = state
	nb, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	m.snaps[id] = nb
	s.Resources = nil
	if m.findings[id], err = json.Marshal(&s); err != nil {
		return err
	}
	for i := range m.order {
		if m.order[i].ID == id {
			m.order[i].Notification = state
		}
	}
	return nil
}

// Before returns the header of the snapshot stored just before id, or nil.
func (m *Store) Before(_ context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, h := range m.order {
		if h.ID == id && i > 0 {
			prev := m.order[i-1]
			return &prev, nil
		}
	}
	return nil, nil
}

// SetStatus keeps a scan's status (the newest MaxSnapshots scans).
func (m *Store) SetStatus(_ context.Context, st cloudscope.ScanStatus) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.statuses == nil {
		m.statuses = map[string]cloudscope.ScanStatus{}
	}
	if _, ok := m.statuses[st.ID]; !ok {
		m.statusOrder = append(m.statusOrder, st.ID)
		if len(m.statusOrder) > MaxSnapshots {
			delete(m.statuses, m.statusOrder[0])
			delete(m.shards, m.statusOrder[0])
			m.statusOrder = m.statusOrder[1:]
		}
	}
	st.Shards = nil // SetShardTotal and ShardDone keep those
	m.statuses[st.ID] = st
	return nil
}

// Status returns scan id's status, or nil.
func (m *Store) Status(_ context.Context, id string) (*cloudscope.ScanStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.statuses[id]
	if !ok {
		return nil, nil
	}
	if p, ok := m.shards[id]; ok {
		st.Shards = &p
	}
	return &st, nil
}

// LatestHeader is the newest snapshot's header, or nil.
func (m *Store) LatestHeader(_ context.Context) (*cloudscope.SnapshotHeader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.order) == 0 {
		return nil, nil
	}
	h := m.order[len(m.order)-1]
	return &h, nil
}

// Header is snapshot id's header, or nil.
func (m *Store) Header(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	s, err := m.Findings(ctx, id)
	if s == nil || err != nil {
		return nil, err
	}
	return &s.SnapshotHeader, nil
}

// ResourceChunks calls fn with snapshot id's resources in regions (all when
// none), in the stored order, 500 at a time.
func (m *Store) ResourceChunks(ctx context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error {
	m.mu.Lock()
	parts := m.sharded[id]
	m.mu.Unlock()
	if parts != nil {
		return partChunks(id, parts, regions, fn)
	}
	s, err := m.Get(ctx, id)
	if s == nil || err != nil {
		return err
	}
	rs := slices.DeleteFunc(s.Resources, func(r cloudscope.Resource) bool { return len(regions) > 0 && !slices.Contains(regions, r.Region) })
	slices.SortFunc(rs, cloudscope.CompareStored)
	for len(rs) > 0 {
		n := min(500, len(rs))
		if err := fn(rs[:n]); err != nil {
			if errors.Is(err, cloudscope.ErrStop) {
				return nil
			}
			return err
		}
		rs = rs[n:]
	}
	return nil
}

// partChunks calls fn with a sharded snapshot's resources in regions (all
// when none) in the stored order, one account at a time: the parts are in
// key order, which begins with the account, and an account's parts are
// merged (its global listing's resources are in every region), so a read
// holds one account's resources at most.
func partChunks(id string, parts []storedPart, regions []string, fn func([]cloudscope.Resource) error) error {
	account := func(p storedPart) string { a, _, _ := strings.Cut(p.key, "#"); return a }
	// Resources without an account sort last (cloudscope.CompareStored).
	parts = slices.Clone(parts)
	slices.SortStableFunc(parts, func(a, b storedPart) int {
		return cmp.Compare(btoi(account(a) == ""), btoi(account(b) == ""))
	})
	for len(parts) > 0 {
		n := 1
		for n < len(parts) && account(parts[n]) == account(parts[0]) {
			n++
		}
		var rs []cloudscope.Resource
		for _, p := range parts[:n] {
			var part []cloudscope.Resource
			if err := json.Unmarshal(p.resources, &part); err != nil {
				return fmt.Errorf("snapshot %s part %s: %w", id, p.key, err)
			}
			rs = append(rs, slices.DeleteFunc(part, func(r cloudscope.Resource) bool { return len(regions) > 0 && !slices.Contains(regions, r.Region) })...)
		}
		parts = parts[n:]
		slices.SortFunc(rs, cloudscope.CompareStored)
		for len(rs) > 0 {
			k := min(500, len(rs))
			if err := fn(rs[:k]); err != nil {
				if errors.Is(err, cloudscope.ErrStop) {
					return nil
				}
				return err
			}
			rs = rs[k:]
		}
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// storedPart is one shard's part: its summary (the part without its
// resources) and its resources, as JSON, so that callers never share them.
type storedPart struct {
	key       string
	summary   []byte
	resources []byte
}

// SavePart stores a shard's part, replacing the one a retried shard saved
// before (under the lock: a reader sees one or the other, whole).
func (m *Store) SavePart(_ context.Context, p *cloudscope.ShardPart) error {
	if err := cloudscope.CheckPart(p); err != nil {
		return err
	}
	rs := p.Resources
	if rs == nil {
		rs = []cloudscope.Resource{}
	}
	res, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	summary := *p
	summary.Resources = nil
	sum, err := json.Marshal(&summary)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id := p.Shard.ScanID
	if m.parts[id] == nil {
		m.parts[id] = map[string]storedPart{}
		m.partOrder = append(m.partOrder, id)
		if len(m.partOrder) > MaxSnapshots {
			delete(m.parts, m.partOrder[0])
			m.partOrder = m.partOrder[1:]
		}
	}
	m.parts[id][p.Shard.Key()] = storedPart{key: p.Shard.Key(), summary: sum, resources: res}
	return nil
}

// PartSummaries calls fn with each part of scan id, without its
// resources, in shard key order.
func (m *Store) PartSummaries(_ context.Context, scanID string, fn func(cloudscope.ShardPart) error) error {
	for _, sp := range m.partsOf(scanID) {
		var p cloudscope.ShardPart
		if err := json.Unmarshal(sp.summary, &p); err != nil {
			return fmt.Errorf("scan %s part %s: %w", scanID, sp.key, err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// partsOf is scan id's parts in key order.
func (m *Store) partsOf(scanID string) []storedPart {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]storedPart, 0, len(m.parts[scanID]))
	for _, p := range m.parts[scanID] {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b storedPart) int { return cmp.Compare(a.key, b.key) })
	return out
}

// FinalizeParts stores the sharded scan h over its parts, as Save would.
func (m *Store) FinalizeParts(_ context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error {
	s := cloudscope.Snapshot{SnapshotHeader: h, Findings: findings, Insufficient: insufficient}
	if s.Findings == nil {
		s.Findings = []cloudscope.Finding{}
	}
	if s.Insufficient == nil {
		s.Insufficient = []cloudscope.Insufficient{}
	}
	b, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	parts := m.partsOf(h.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.snaps[h.ID]; ok && !slices.Contains(m.failed, h.ID) {
		return cloudscope.ErrSnapshotExists
	}
	m.keep(&s.SnapshotHeader, b, b, parts) // b holds no resources
	return nil
}

// SetShardTotal sets scan id's planned shards.
func (m *Store) SetShardTotal(_ context.Context, scanID string, total int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.shards[scanID]
	p.Total = total
	m.shards[scanID] = p
	return nil
}

// ShardDone counts one finished shard of scan id, done or failed.
func (m *Store) ShardDone(_ context.Context, scanID string, failed bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.shards[scanID]
	if failed {
		p.Failed++
	} else {
		p.Done++
	}
	m.shards[scanID] = p
	return nil
}
