// Package kv is the small ordered key-value contract that cloudscope's
// records sit on: get, conditional put, a query by sort-key prefix in key
// order within one partition, batch put, and expiry. Keys have DynamoDB's
// shape (a partition and a sort key), so the table maps onto it without a
// translation; the state file (bbolt) and memory keep the same order.
// Every partition starts with the scanning identity's account (Scope), so
// no data crosses identities. The records' logic (the savings ledger, the
// anomaly records) is written once over this contract; the backends only
// store bytes.
package kv

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Key names one item: a partition and a sort key within it.
type Key struct {
	Partition string
	Sort      string
}

// Item is one value under a key. Expires, when set, is when the item stops
// being served (by the store's clock; DynamoDB's TTL deletes it later).
type Item struct {
	Key     Key
	Value   []byte
	Expires time.Time
}

// Cond is the condition of a conditional put.
type Cond int

// The conditions a put may carry.
const (
	// Always puts whatever is there.
	Always Cond = iota
	// IfAbsent puts only when no unexpired item is under the key.
	IfAbsent
)

// ErrConditionFailed is what a conditional put answers when its condition
// does not hold.
var ErrConditionFailed = errors.New("kv: the condition of the put does not hold")

// MaxValueBytes keeps a value well under DynamoDB's 400 KB item limit;
// every backend refuses larger values alike.
const MaxValueBytes = 350 * 1024

// ErrTooLarge is what a put of a value over MaxValueBytes answers.
var ErrTooLarge = errors.New("kv: value too large for one item")

// Store is the contract every backend keeps (kvtest holds them to it).
type Store interface {
	// Get returns the unexpired item under k.
	Get(ctx context.Context, k Key) (Item, bool, error)
	// Put stores it, under cond; ErrConditionFailed when cond does not hold.
	Put(ctx context.Context, it Item, cond Cond) error
	// PutBatch stores items unconditionally (not atomically as a whole:
	// each item is whole).
	PutBatch(ctx context.Context, items []Item) error
	// Swap puts it only while the unexpired value under its key is old
	// (nil: while no unexpired item is there), atomically:
	// ErrConditionFailed otherwise. The read-modify-write of a counter, a
	// lease or a header is a Get and a Swap, retried on that error.
	Swap(ctx context.Context, it Item, old []byte) error
	// Delete removes the item under k, if any.
	Delete(ctx context.Context, k Key) error
	// Query calls fn with the unexpired items of partition whose sort key
	// starts with prefix and sorts after after ("" from the first), in
	// sort-key order, at most limit of them (0: all). fn returning ErrStop
	// ends it without error.
	Query(ctx context.Context, partition, prefix, after string, limit int, fn func(Item) error) error
}

// ErrStop ends a Query early without error.
var ErrStop = errors.New("kv: stop")

// Scope is the partition of a kind of record for one scanning identity:
// "<account>#<kind>" (account "" for an unknown identity, "local").
func Scope(account, kind string) string {
	if account == "" {
		account = "local"
	}
	return account + "#" + kind
}

// Join builds a sort key from parts, '#'-separated.
func Join(parts ...string) string { return strings.Join(parts, "#") }

// Live says whether an item with expiry exp is still served at now.
func Live(exp, now time.Time) bool { return exp.IsZero() || now.Before(exp) }
