package dynamostore

import (
	"context"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/snapstore"
)

// The snapshots, their index, the scans' statuses and lease and a sharded
// scan's parts are snapstore's, over the kv store in the table (kv.go):
// every item under pk "kv#<identity>#<kind>...", each identity's apart.
// Every read is by key or by Query on a key: never a Scan.

// SnapshotIAMActions are what storing a snapshot calls (Save,
// SetNotification; the reads beside them).
var SnapshotIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}

// SnapshotReadIAMActions are what reading snapshots calls: Get, List, Latest, Before.
var SnapshotReadIAMActions = []string{"dynamodb:GetItem", "dynamodb:Query"}

// StatusIAMActions are what a scan's status calls: SetStatus and Status.
var StatusIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// LeaseIAMActions are what the one-scan-at-a-time lease calls: a read,
// and a conditional PutItem (kv.Store.Swap).
var LeaseIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// PartIAMActions are what a shard storing its part calls (SavePart).
var PartIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:PutItem"}

// FinalizeIAMActions are what finalizing a sharded scan calls
// (PartSummaries, FinalizeParts).
var FinalizeIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}

// ShardProgressIAMActions are what the shard counters call (SetShardTotal,
// ShardDone: a read and a conditional PutItem).
var ShardProgressIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// SnapshotAPI is the part of the DynamoDB client the snapshot store calls.
type SnapshotAPI = KVAPI

// SnapshotStore is a scan.Store, an inventory.Source and a
// shard.PartStore in the table.
type SnapshotStore struct {
	*snapstore.Store
	// Writes counts the items written, for the benchmarks.
	Writes int
	mu     sync.Mutex
}

// NewSnapshotStore returns the store in table of an unknown identity
// ("local"), keeping snapshots for retention (default 90 days) through
// the table's TTL.
func NewSnapshotStore(client SnapshotAPI, table string, retention time.Duration, now func() time.Time) *SnapshotStore {
	return NewSnapshotStoreFor(client, table, retention, now, nil)
}

// NewSnapshotStoreFor is NewSnapshotStore for the scanning identity that
// identity names (snapstore.Options.Identity).
func NewSnapshotStoreFor(client SnapshotAPI, table string, retention time.Duration, now func() time.Time, identity func(context.Context) (string, error)) *SnapshotStore {
	st := &SnapshotStore{}
	st.Store = snapstore.New(counting{NewKV(client, table, now), st}, snapstore.Options{Retention: retention, Now: now, Identity: identity})
	return st
}

// counting counts the items its store writes into Writes.
type counting struct {
	kv.Store
	st *SnapshotStore
}

func (c counting) wrote(n int) { c.st.mu.Lock(); c.st.Writes += n; c.st.mu.Unlock() }

func (c counting) Put(ctx context.Context, it kv.Item, cond kv.Cond) error {
	c.wrote(1)
	return c.Store.Put(ctx, it, cond)
}

func (c counting) Swap(ctx context.Context, it kv.Item, old []byte) error {
	c.wrote(1)
	return c.Store.Swap(ctx, it, old)
}

func (c counting) PutBatch(ctx context.Context, items []kv.Item) error {
	c.wrote(len(items))
	return c.Store.PutBatch(ctx, items)
}
