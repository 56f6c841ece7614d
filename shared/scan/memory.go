package scan

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sync"
)

// MemoryStore keeps snapshots in process memory: for `cloudscope serve`
// without a table, and for tests. It holds at most MaxMemorySnapshots.
type MemoryStore struct {
	mu    sync.Mutex
	snaps map[string][]byte // id -> JSON, so callers never share a snapshot
	order []Header          // oldest first

	statuses    map[string]Status
	statusOrder []string // oldest first
}

// MaxMemorySnapshots bounds a MemoryStore.
const MaxMemorySnapshots = 50

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{snaps: map[string][]byte{}} }

// Save stores s unless its id is already stored.
func (m *MemoryStore) Save(_ context.Context, s *Snapshot) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.snaps[s.ID]; ok {
		return ErrDuplicate
	}
	m.snaps[s.ID] = b
	m.order = append(m.order, s.Header)
	slices.SortStableFunc(m.order, func(a, b Header) int { return cmp.Compare(a.FinishedAt.UnixNano(), b.FinishedAt.UnixNano()) })
	if len(m.order) > MaxMemorySnapshots {
		delete(m.snaps, m.order[0].ID)
		m.order = m.order[1:]
	}
	return nil
}

// Get returns the snapshot id, or nil.
func (m *MemoryStore) Get(_ context.Context, id string) (*Snapshot, error) {
	m.mu.Lock()
	b, ok := m.snaps[id]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var s Snapshot
	return &s, json.Unmarshal(b, &s)
}

// Latest returns the newest snapshot, or nil.
func (m *MemoryStore) Latest(ctx context.Context) (*Snapshot, error) {
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
func (m *MemoryStore) List(_ context.Context, limit int) ([]Header, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Header{}
	for i := len(m.order) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, m.order[i])
	}
	return out, nil
}

// SetNotification records the notification state of snapshot id.
func (m *MemoryStore) SetNotification(_ context.Context, id, state string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.snaps[id]
	if !ok {
		return nil
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
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
func (m *MemoryStore) Before(_ context.Context, id string) (*Header, error) {
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

// SetStatus keeps a scan's status (the newest MaxMemorySnapshots scans).
func (m *MemoryStore) SetStatus(_ context.Context, st Status) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.statuses == nil {
		m.statuses = map[string]Status{}
	}
	if _, ok := m.statuses[st.ID]; !ok {
		m.statusOrder = append(m.statusOrder, st.ID)
		if len(m.statusOrder) > MaxMemorySnapshots {
			delete(m.statuses, m.statusOrder[0])
			m.statusOrder = m.statusOrder[1:]
		}
	}
	m.statuses[st.ID] = st
	return nil
}

// Status returns scan id's status, or nil.
func (m *MemoryStore) Status(_ context.Context, id string) (*Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.statuses[id]
	if !ok {
		return nil, nil
	}
	return &st, nil
}
