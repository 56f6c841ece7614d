package dynamostore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

func snapshot(id string, resources int) *cloudscope.Snapshot {
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: at, FinishedAt: at.Add(time.Minute), Regions: []string{"us-east-1"},
		Errors: []cloudscope.Failure{}, Calls: map[string]int{"discovery": 3}, Notification: cloudscope.NotifyNone},
		Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	for i := range resources {
		s.Resources = append(s.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%017x", i), Region: "us-east-1",
			Tags: map[string]string{"team": strings.Repeat("x", 200)}, EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}})
	}
	return s
}

func TestMotoSnapshotsRoundTripAndStayWhole(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	client := dynamodbclient.Home(moto.Clients(t))
	if err := CreateTable(ctx, client, "cloudscope"); err != nil {
		t.Fatal(err)
	}
	st := NewSnapshotStore(client, "cloudscope", 0, nil)
	first := snapshot("evt-1", 1200) // several chunks
	if err := st.Save(ctx, first); err != nil {
		t.Fatal(err)
	}
	// The same scan id again, with other contents: refused, and the stored one stays whole.
	if err := st.Save(ctx, snapshot("evt-1", 120)); !errors.Is(err, cloudscope.ErrSnapshotExists) {
		t.Fatalf("second save: %v", err)
	}
	got, err := st.Get(ctx, "evt-1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("read back %d resources; want the first save's %d exactly", len(got.Resources), len(first.Resources))
	}
	if err := st.SetNotification(ctx, "evt-1", cloudscope.NotifyNone, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	hs, err := st.List(ctx, 5)
	if err != nil || len(hs) != 1 || hs[0].Notification != cloudscope.NotifySent {
		t.Errorf("list %+v %v", hs, err)
	}
	if s, err := st.Get(ctx, "nope"); s != nil || err != nil {
		t.Errorf("unknown id: %v %v", s, err)
	}
	second := snapshot("evt-2", 3)
	second.FinishedAt = first.FinishedAt.Add(24 * time.Hour)
	if err := st.Save(ctx, second); err != nil {
		t.Fatal(err)
	}
	if h, err := st.Before(ctx, "evt-2"); err != nil || h == nil || h.ID != "evt-1" {
		t.Errorf("before evt-2: %+v %v", h, err)
	}
	if h, err := st.Before(ctx, "evt-1"); err != nil || h != nil {
		t.Errorf("before the first: %+v %v", h, err)
	}
}

// recorded is the stub table, recording the DynamoDB actions called.
func recorded() (*SnapshotStore, *KV, map[string]bool) {
	var mu sync.Mutex
	called := map[string]bool{}
	table := ddbstub.New().Handler()
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		mu.Lock()
		called["dynamodb:"+strings.TrimPrefix(c.Operation, "DynamoDB.")] = true
		mu.Unlock()
		return table(ctx, c)
	}
	client := dynamodbclient.Home(awsstub.Clients(h))
	return NewSnapshotStore(client, "cloudscope", 0, nil), NewKV(client, "cloudscope", nil), called
}

// TestIAMActionsMatchTheCalls holds the declared actions to the calls the
// store and the cache make: the infrastructure grants exactly these.
func TestIAMActionsMatchTheCalls(t *testing.T) {
	st, _, called := recorded()
	ctx := context.Background()
	reset := func() {
		for k := range called {
			delete(called, k)
		}
	}
	check := func(name string, want []string) {
		t.Helper()
		if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, want) {
			t.Errorf("%s calls %v, its IAM list says %v", name, got, want)
		}
		reset()
	}
	if err := st.Save(ctx, snapshot("evt", 3)); err != nil {
		t.Fatal(err)
	}
	if err := st.SetNotification(ctx, "evt", cloudscope.NotifyNone, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	_, _ = st.List(ctx, 5)
	check("storing a snapshot", SnapshotIAMActions)
	_, _ = st.List(ctx, 5)
	_, _ = st.Before(ctx, "evt")
	_, _ = st.Latest(ctx)
	check("reading snapshots", SnapshotReadIAMActions)
	_ = st.SetStatus(ctx, cloudscope.ScanStatus{ID: "evt", State: cloudscope.StateRunning})
	_, _ = st.Status(ctx, "evt")
	check("the scan status", StatusIAMActions)
	if h, err := st.AcquireScanLease(ctx, "evt", time.Minute); h != "" || err != nil {
		t.Errorf("lease: %q %v", h, err)
	}
	if h, err := st.AcquireScanLease(ctx, "other", time.Minute); h != "evt" || err != nil {
		t.Errorf("lease held: %q %v", h, err)
	}
	_ = st.ReleaseScanLease(ctx, "evt")
	check("the lease", LeaseIAMActions)
	if err := st.SavePart(ctx, storetest.Part(cloudscope.Shard{ScanID: "org", AccountID: "111111111111", Region: "us-east-1"}, time.Now(), 3, "a")); err != nil {
		t.Fatal(err)
	}
	check("SavePart", PartIAMActions)
	if err := st.PartSummaries(ctx, "org", func(cloudscope.ShardPart) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.FinalizeParts(ctx, cloudscope.SnapshotHeader{ID: "org", FinishedAt: time.Now()}, nil, nil); err != nil {
		t.Fatal(err)
	}
	check("PartSummaries and FinalizeParts", FinalizeIAMActions)
	if err := st.SetShardTotal(ctx, "org", 3); err != nil {
		t.Fatal(err)
	}
	if err := st.ShardDone(ctx, "org", true); err != nil {
		t.Fatal(err)
	}
	check("SetShardTotal and ShardDone", ShardProgressIAMActions)
	_, k, called2 := recorded()
	called = called2
	cache := kv.NewCache(k, "cost#", nil)
	_, _, _ = cache.Get(ctx, "k")
	_ = cache.Put(ctx, "k", []byte("v"), time.Hour)
	check("the cost cache", IAMActions)
}

func TestMotoStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) scan.Store {
		moto.Reset(t)
		client := dynamodbclient.Home(moto.Clients(t))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}

func TestMotoInventoryContract(t *testing.T) {
	storetest.RunInventory(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		moto.Reset(t)
		client := dynamodbclient.Home(moto.Clients(t))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}

func TestMotoPartsContract(t *testing.T) {
	storetest.RunParts(t, func(t *testing.T, clock *storetest.Clock) storetest.PartsStore {
		moto.Reset(t)
		client := dynamodbclient.Home(moto.Clients(t))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}

func TestMotoInventoryAccountsContract(t *testing.T) {
	storetest.RunInventoryAccounts(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		moto.Reset(t)
		client := dynamodbclient.Home(moto.Clients(t))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}

// The whole contract on the stub table too (its conditions are checked:
// ddbstub), at the speed of memory.
func TestStubContracts(t *testing.T) {
	stub := func(clock *storetest.Clock) *SnapshotStore {
		return NewSnapshotStore(dynamodbclient.Home(awsstub.Clients(ddbstub.New().Handler())), "cloudscope", 0, clock.Now)
	}
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) scan.Store { return stub(clock) })
	storetest.RunInventory(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore { return stub(clock) })
	storetest.RunInventoryAccounts(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore { return stub(clock) })
	storetest.RunParts(t, func(t *testing.T, clock *storetest.Clock) storetest.PartsStore { return stub(clock) })
}

// TestMotoTheLeaseHoldsAcrossProcesses: two stores over one table, as two
// Lambda containers (or two laptops) sharing a deployment, each with its
// own client, ask for the lease at once: exactly one scan holds it, the
// others are told its id, and it passes on only once released.
func TestMotoTheLeaseHoldsAcrossProcesses(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	stores := make([]*SnapshotStore, 2)
	for i := range stores {
		client := dynamodbclient.Home(moto.Clients(t))
		if i == 0 {
			if err := CreateTable(ctx, client, "cloudscope"); err != nil {
				t.Fatal(err)
			}
		}
		stores[i] = NewSnapshotStore(client, "cloudscope", 0, nil)
	}
	const n = 8
	holders := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			h, err := stores[i%2].AcquireScanLease(ctx, fmt.Sprintf("scan-%d", i), time.Minute)
			if err != nil {
				t.Error(err)
			}
			holders[i] = h
		})
	}
	wg.Wait()
	var won []int
	for i, h := range holders {
		if h == "" {
			won = append(won, i)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d scans hold the lease at once (%v), want exactly 1", len(won), holders)
	}
	winner := fmt.Sprintf("scan-%d", won[0])
	for i, h := range holders {
		if i != won[0] && h != winner {
			t.Errorf("scan-%d was told %q holds the lease, want %s", i, h, winner)
		}
	}
	// The other process cannot take it until the holder releases it.
	other := stores[(won[0]+1)%2]
	if h, err := other.AcquireScanLease(ctx, "late", time.Minute); h != winner || err != nil {
		t.Fatalf("late scan in the other process: holder %q, %v; want %s", h, err, winner)
	}
	if err := stores[won[0]%2].ReleaseScanLease(ctx, winner); err != nil {
		t.Fatal(err)
	}
	if h, err := other.AcquireScanLease(ctx, "late", time.Minute); h != "" || err != nil {
		t.Fatalf("after the release, the other process's scan: holder %q, %v; want the lease", h, err)
	}
}
