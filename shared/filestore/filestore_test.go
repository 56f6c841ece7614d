package filestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/kvtest"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

func open(t *testing.T, path string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(path, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) scan.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now)
	})
}

// snapshot is a scan of n resources over two regions and three types.
func snapshot(id string, finished time.Time, n int) *cloudscope.Snapshot {
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: finished.Add(-time.Minute), FinishedAt: finished,
		Regions: []string{"eu-west-1", "us-east-1"}, Errors: []cloudscope.Failure{}, Calls: map[string]int{"discovery": 3},
		Notification: cloudscope.NotifyNone, Outcome: cloudscope.OutcomeComplete},
		Findings:     []cloudscope.Finding{{ID: "f1", Rule: "ec2.high_cpu", Severity: cloudscope.Warning, Evidence: []cloudscope.Point{}}},
		Insufficient: []cloudscope.Insufficient{}}
	types := []cloudscope.ResourceType{cloudscope.EC2, cloudscope.RDS, cloudscope.Lambda}
	for i := range n {
		s.Resources = append(s.Resources, cloudscope.Resource{Type: types[i%3], ID: fmt.Sprintf("r-%06d", i), Region: s.Regions[i%2]})
	}
	slices.SortFunc(s.Resources, cloudscope.CompareResources) // the scan's own order
	return s
}

// The history survives closing and opening the file again, and reads back
// exactly what was stored.
func TestHistorySurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "state.db")
	at := time.Now().UTC().Truncate(time.Second)
	s, err := Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, second := snapshot("s1", at.Add(-time.Hour), 1200), snapshot("s2", at, 10)
	for _, snap := range []*cloudscope.Snapshot{first, second} {
		if err := s.Save(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.SetStatus(ctx, cloudscope.ScanStatus{ID: "s2", State: cloudscope.StateDone, UpdatedAt: at})
	_ = s.CostCache().Put(ctx, "q", []byte(`{"total":"1.23"}`), time.Hour)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path, nil)
	got, err := s.Get(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("s1 read back differs (%d resources, want %d)", len(got.Resources), len(first.Resources))
	}
	if hs, _ := s.List(ctx, 10); len(hs) != 2 || hs[0].ID != "s2" || hs[1].ID != "s1" {
		t.Errorf("history %+v", hs)
	}
	if prev, _ := s.Before(ctx, "s2"); prev == nil || prev.ID != "s1" {
		t.Errorf("before s2: %+v", prev)
	}
	if st, _ := s.Status(ctx, "s2"); st == nil || st.State != cloudscope.StateDone {
		t.Errorf("status %+v", st)
	}
	if v, ok, err := s.CostCache().Get(ctx, "q"); !ok || err != nil || string(v) != `{"total":"1.23"}` {
		t.Errorf("cost cache %q %v %v", v, ok, err)
	}
}

// A second process cannot open the file while one has it; it is told why.
func TestASecondOpenIsRefusedClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path, nil)
	start := time.Now()
	_, err := Open(path, 0, nil)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %s to refuse", time.Since(start))
	}
}

func TestRetentionAndCacheExpiry(t *testing.T) {
	now := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), 48*time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	_ = s.Save(ctx, snapshot("old", now.Add(-72*time.Hour), 3))
	_ = s.Save(ctx, snapshot("new", now, 3))
	if old, _ := s.Get(ctx, "old"); old != nil {
		t.Error("a snapshot past the retention is kept")
	}
	if hs, _ := s.List(ctx, 5); len(hs) != 1 || hs[0].ID != "new" {
		t.Errorf("history %+v", hs)
	}
	c := s.CostCache()
	_ = c.Put(ctx, "k", []byte("v"), time.Hour)
	if _, ok, _ := c.Get(ctx, "k"); !ok {
		t.Error("a fresh answer is not served")
	}
	now = now.Add(time.Hour)
	if _, ok, _ := c.Get(ctx, "k"); ok {
		t.Error("an expired answer is served")
	}
}

func TestInventoryAccountsContract(t *testing.T) {
	storetest.RunInventoryAccounts(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		return open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now)
	})
}

func TestInventoryContract(t *testing.T) {
	storetest.RunInventory(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		return open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now)
	})
}

// A lease left by a process that stopped mid-scan is void once the file is
// opened again: only one process holds the file.
func TestALeaseDoesNotOutliveItsProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if h, err := s.AcquireScanLease(ctx, "cut-short", time.Hour); h != "" || err != nil {
		t.Fatal(h, err)
	}
	_ = s.Close() // the process stops without releasing it
	s = open(t, path, nil)
	if h, err := s.AcquireScanLease(ctx, "next", time.Hour); h != "" || err != nil {
		t.Errorf("after a restart the lease is held by %q (%v)", h, err)
	}
}

func TestPriceCacheContract(t *testing.T) {
	storetest.RunPriceCache(t, func(t *testing.T, clock *storetest.Clock) pricing.PriceCache {
		return open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now).PriceCache()
	})
}

func TestPartsContract(t *testing.T) {
	storetest.RunParts(t, func(t *testing.T, clock *storetest.Clock) storetest.PartsStore {
		return open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now)
	})
}

func TestKVContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, clock *kvtest.Clock) kv.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now).KV()
	})
}

// kv items survive a restart; expired ones are dropped when the file is
// opened, and from a partition a batch writes to.
func TestKVSurvivesARestartAndDropsExpired(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clock := kvtest.NewClock()
	ctx := context.Background()
	s, err := Open(path, 0, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	items := []kv.Item{
		{Key: kv.Key{Partition: "a", Sort: "keep"}, Value: []byte("1")},
		{Key: kv.Key{Partition: "a", Sort: "gone"}, Value: []byte("2"), Expires: clock.Now().Add(time.Minute)},
		{Key: kv.Key{Partition: "b", Sort: "gone"}, Value: []byte("3"), Expires: clock.Now().Add(time.Minute)},
	}
	if err := s.KV().PutBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	s = open(t, path, clock.Now)
	if it, ok, err := s.KV().Get(ctx, items[0].Key); !ok || err != nil || string(it.Value) != "1" {
		t.Fatalf("after a restart: %q %v %v", it.Value, ok, err)
	}
	stored := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKV).ForEachBucket(func(name []byte) error {
			stored += tx.Bucket(bucketKV).Bucket(name).Stats().KeyN
			return nil
		})
	})
	if stored != 1 {
		t.Errorf("%d items in the file after opening it, want the 1 unexpired", stored)
	}
	if err := s.KV().Put(ctx, kv.Item{Key: kv.Key{Partition: "a", Sort: "x"}, Value: []byte("y"), Expires: clock.Now().Add(time.Second)}, kv.Always); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := s.KV().PutBatch(ctx, []kv.Item{{Key: kv.Key{Partition: "a", Sort: "z"}, Value: []byte("z")}}); err != nil {
		t.Fatal(err)
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bucketKV).Bucket([]byte("a")).Stats().KeyN; n != 2 {
			t.Errorf("%d items in partition a after a batch, want keep and z", n)
		}
		return nil
	})
}

// fn may write to the store while a query runs (it runs outside bbolt's
// transaction), and a query longer than a page reads on.
func TestKVQueryLetsFnWrite(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "state.db"), nil).KV()
	ctx := context.Background()
	var items []kv.Item
	for i := range 2*queryPage + 10 {
		items = append(items, kv.Item{Key: kv.Key{Partition: "p", Sort: fmt.Sprintf("r#%04d", i)}, Value: []byte("x")})
	}
	if err := st.PutBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := st.Query(ctx, "p", "r#", "", 0, func(it kv.Item) error {
		n++
		return st.Put(ctx, kv.Item{Key: kv.Key{Partition: "seen", Sort: it.Key.Sort}, Value: it.Value}, kv.Always)
	})
	if err != nil || n != len(items) {
		t.Fatalf("%d of %d read: %v", n, len(items), err)
	}
}
