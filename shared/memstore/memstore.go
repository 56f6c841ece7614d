// Package memstore keeps snapshots, scan statuses, a sharded scan's parts
// and the kv records in process memory (kv.Memory, with the logic of
// snapstore over it): for tests, and for a person who chose
// `--state memory`. History lasts as long as the process.
package memstore

import (
	"context"
	"time"

	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/snapstore"
)

// MaxSnapshots bounds the snapshots a Store keeps (each identity's).
const MaxSnapshots = 50

// Store keeps state in process memory (safe for concurrent use).
type Store struct {
	*snapstore.Store
	records *kv.Memory
	now     func() time.Time
}

// New returns an empty store of an unknown identity ("local").
func New() *Store { return NewFor(nil) }

// NewFor returns an empty store keeping the data of the scanning identity
// that identity names (snapstore.Options.Identity; nil: "local").
func NewFor(identity func(context.Context) (string, error)) *Store {
	m := &Store{now: time.Now}
	clock := func() time.Time { return m.now() }
	m.records = kv.NewMemory(clock)
	m.Store = snapstore.New(m.records, snapstore.Options{Now: clock, Identity: identity, Keep: MaxSnapshots})
	return m
}

// KV is the kv store beneath (the records that outlive a scan): kv.Memory
// on the store's clock, one per Store.
func (m *Store) KV() *kv.Memory { return m.records }
