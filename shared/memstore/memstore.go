// Package memstore keeps snapshots and scan statuses in process memory:
// for tests, and for a person who chose `--state memory`. History lasts as
// long as the process.
package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Store keeps snapshots in process memory (safe for concurrent use).
// It holds at most MaxSnapshots.
type Store struct {
	mu    sync.Mutex
	snaps map[string][]byte           // id -> JSON, so callers never share a snapshot
	order []cloudscope.SnapshotHeader // oldest first

	failed []string // ids of failed scans, kept for Get only; oldest first

	statuses    map[string]cloudscope.ScanStatus
	statusOrder []string // oldest first

	lease      string // the running scan's id
	leaseUntil time.Time
	now        func() time.Time
}

// MaxSnapshots bounds a Store.
const MaxSnapshots = 50

// New returns an empty store.
func New() *Store { return &Store{snaps: map[string][]byte{}, now: time.Now} }

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
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.snaps[s.ID]; ok && !slices.Contains(m.failed, s.ID) {
		return cloudscope.ErrSnapshotExists
	}
	m.failed = slices.DeleteFunc(m.failed, func(id string) bool { return id == s.ID })
	m.snaps[s.ID] = b
	if s.Failed() {
		m.failed = append(m.failed, s.ID)
		if len(m.failed) > MaxSnapshots {
			delete(m.snaps, m.failed[0])
			m.failed = m.failed[1:]
		}
		return nil
	}
	m.order = append(m.order, s.SnapshotHeader)
	slices.SortStableFunc(m.order, func(a, b cloudscope.SnapshotHeader) int {
		return cmp.Compare(a.FinishedAt.UnixNano(), b.FinishedAt.UnixNano())
	})
	if len(m.order) > MaxSnapshots {
		delete(m.snaps, m.order[0].ID)
		m.order = m.order[1:]
	}
	return nil
}

// Get returns the snapshot id, or nil.
func (m *Store) Get(_ context.Context, id string) (*cloudscope.Snapshot, error) {
	m.mu.Lock()
	b, ok := m.snaps[id]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var s cloudscope.Snapshot
	return &s, json.Unmarshal(b, &s)
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
			m.statusOrder = m.statusOrder[1:]
		}
	}
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
	s, err := m.Get(ctx, id)
	if s == nil || err != nil {
		return nil, err
	}
	return &s.SnapshotHeader, nil
}

// ResourceChunks calls fn with snapshot id's resources in regions (all when
// none), in the stored order, 500 at a time.
func (m *Store) ResourceChunks(ctx context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error {
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
