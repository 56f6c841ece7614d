// Package kvtest is the contract every kv.Store backend keeps, run against
// each: memory, the state file (bbolt) and DynamoDB (moto and the stub).
package kvtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/kv"
)

// Clock is a settable clock for the store under test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at a fixed time.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Run holds the store that newStore returns (empty, reading clock) to the contract.
func Run(t *testing.T, newStore func(t *testing.T, clock *Clock) kv.Store) {
	ctx := context.Background()
	t.Run("GetPutDelete", func(t *testing.T) {
		st := newStore(t, NewClock())
		k := kv.Key{Partition: kv.Scope("111111111111", "ledger"), Sort: "f1"}
		if _, ok, err := st.Get(ctx, k); ok || err != nil {
			t.Fatalf("empty store: %v %v", ok, err)
		}
		if err := st.Put(ctx, kv.Item{Key: k, Value: []byte("one")}, kv.Always); err != nil {
			t.Fatal(err)
		}
		if it, ok, err := st.Get(ctx, k); !ok || err != nil || string(it.Value) != "one" || it.Key != k {
			t.Fatalf("after put: %+v %v %v", it, ok, err)
		}
		other := kv.Key{Partition: kv.Scope("222222222222", "ledger"), Sort: "f1"}
		if _, ok, _ := st.Get(ctx, other); ok {
			t.Fatal("an item is visible under another account's partition")
		}
		if err := st.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := st.Get(ctx, k); ok {
			t.Fatal("deleted item still there")
		}
		if err := st.Delete(ctx, k); err != nil {
			t.Fatalf("deleting nothing: %v", err)
		}
	})
	t.Run("IfAbsentHoldsOnceAndExpiredCountsAsAbsent", func(t *testing.T) {
		clock := NewClock()
		st := newStore(t, clock)
		k := kv.Key{Partition: "p", Sort: "lease"}
		if err := st.Put(ctx, kv.Item{Key: k, Value: []byte("a"), Expires: clock.Now().Add(time.Hour)}, kv.IfAbsent); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, kv.Item{Key: k, Value: []byte("b")}, kv.IfAbsent); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("second IfAbsent: %v", err)
		}
		clock.Advance(time.Hour)
		if _, ok, _ := st.Get(ctx, k); ok {
			t.Fatal("an expired item is served")
		}
		if err := st.Put(ctx, kv.Item{Key: k, Value: []byte("c")}, kv.IfAbsent); err != nil {
			t.Fatalf("IfAbsent over an expired item: %v", err)
		}
		if it, _, _ := st.Get(ctx, k); string(it.Value) != "c" {
			t.Fatalf("got %q", it.Value)
		}
	})
	t.Run("ConcurrentIfAbsentHasOneWinner", func(t *testing.T) {
		st := newStore(t, NewClock())
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := st.Put(ctx, kv.Item{Key: kv.Key{Partition: "p", Sort: "once"}, Value: fmt.Appendf(nil, "%d", i)}, kv.IfAbsent)
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if !errors.Is(err, kv.ErrConditionFailed) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d winners", won)
		}
	})
	t.Run("SwapHoldsOnlyOverTheValueExpected", func(t *testing.T) {
		clock := NewClock()
		st := newStore(t, clock)
		k := kv.Key{Partition: "p", Sort: "swap"}
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("one")}, []byte("zero")); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("swap over nothing, expecting a value: %v", err)
		}
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("one"), Expires: clock.Now().Add(time.Hour)}, nil); err != nil {
			t.Fatalf("swap over nothing: %v", err)
		}
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("two")}, nil); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("swap expecting nothing over a value: %v", err)
		}
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("two")}, []byte("other")); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("swap over another value: %v", err)
		}
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("two"), Expires: clock.Now().Add(time.Hour)}, []byte("one")); err != nil {
			t.Fatalf("swap over the value expected: %v", err)
		}
		if it, ok, err := st.Get(ctx, k); !ok || err != nil || string(it.Value) != "two" {
			t.Fatalf("after the swap: %q %v %v", it.Value, ok, err)
		}
		clock.Advance(2 * time.Hour)
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("three")}, []byte("two")); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("swap over an expired value: %v", err)
		}
		if err := st.Swap(ctx, kv.Item{Key: k, Value: []byte("three")}, nil); err != nil {
			t.Fatalf("swap over an expired item, expecting none: %v", err)
		}
	})
	t.Run("ConcurrentSwapsCountEveryIncrement", func(t *testing.T) {
		st := newStore(t, NewClock())
		k := kv.Key{Partition: "p", Sort: "counter"}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					it, ok, err := st.Get(ctx, k)
					if err != nil {
						t.Error(err)
						return
					}
					var old []byte
					n := 0
					if ok {
						old = it.Value
						fmt.Sscan(string(it.Value), &n)
					}
					err = st.Swap(ctx, kv.Item{Key: k, Value: fmt.Appendf(nil, "%d", n+1)}, old)
					if err == nil {
						return
					}
					if !errors.Is(err, kv.ErrConditionFailed) {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if it, _, _ := st.Get(ctx, k); string(it.Value) != "8" {
			t.Fatalf("8 increments by swap: %q", it.Value)
		}
	})
	t.Run("QueryInOrderByPrefixAfterAndLimit", func(t *testing.T) {
		clock := NewClock()
		st := newStore(t, clock)
		var items []kv.Item
		for _, s := range []string{"b#2", "a#1", "b#1", "b#10", "c#1", "b#3"} {
			items = append(items, kv.Item{Key: kv.Key{Partition: "p", Sort: s}, Value: []byte(s)})
		}
		items = append(items, kv.Item{Key: kv.Key{Partition: "q", Sort: "b#0"}, Value: []byte("other partition")})
		items = append(items, kv.Item{Key: kv.Key{Partition: "p", Sort: "b#0"}, Value: []byte("expiring"), Expires: clock.Now().Add(time.Minute)})
		for i := range 60 { // more than one DynamoDB batch
			items = append(items, kv.Item{Key: kv.Key{Partition: "many", Sort: fmt.Sprintf("%03d", i)}, Value: []byte("x")})
		}
		if err := st.PutBatch(ctx, items); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		got := query(t, st, "p", "b#", "", 0)
		if want := "b#1 b#10 b#2 b#3"; got != want {
			t.Fatalf("prefix b#: %q, want %q", got, want)
		}
		if got, want := query(t, st, "p", "b#", "b#10", 2), "b#2 b#3"; got != want {
			t.Fatalf("after b#10, 2: %q, want %q", got, want)
		}
		if got, want := query(t, st, "p", "", "", 0), "a#1 b#1 b#10 b#2 b#3 c#1"; got != want {
			t.Fatalf("whole partition: %q, want %q", got, want)
		}
		if n := len(strings.Fields(query(t, st, "many", "", "", 0))); n != 60 {
			t.Fatalf("batch of 60: %d read back", n)
		}
		n := 0
		if err := st.Query(ctx, "many", "", "", 0, func(kv.Item) error {
			n++
			if n == 3 {
				return kv.ErrStop
			}
			return nil
		}); err != nil || n != 3 {
			t.Fatalf("stop: %v after %d", err, n)
		}
		boom := errors.New("boom")
		if err := st.Query(ctx, "many", "", "", 0, func(kv.Item) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("fn's error: %v", err)
		}
	})
	t.Run("TooLargeIsRefused", func(t *testing.T) {
		st := newStore(t, NewClock())
		big := make([]byte, kv.MaxValueBytes+1)
		if err := st.Put(ctx, kv.Item{Key: kv.Key{Partition: "p", Sort: "big"}, Value: big}, kv.Always); !errors.Is(err, kv.ErrTooLarge) {
			t.Fatalf("too large: %v", err)
		}
	})
}

func query(t *testing.T, st kv.Store, partition, prefix, after string, limit int) string {
	t.Helper()
	var keys []string
	if err := st.Query(context.Background(), partition, prefix, after, limit, func(it kv.Item) error {
		if it.Key.Partition != partition {
			t.Errorf("item of partition %q in a query of %q", it.Key.Partition, partition)
		}
		keys = append(keys, it.Key.Sort)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(keys, " ")
}
