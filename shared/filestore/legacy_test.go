package filestore

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

// testdata/state-v1.db was written by the version before this layout
// (its own buckets per kind), by this sequence on a clock at
// 2026-12-01T06:00Z with a ten-year retention: Save of
// storetest.Inventory("old-1", now-48h, 1200) with notification sent,
// storetest.InventoryOf("acct-1", now-24h, 900, 123456789012), a failed
// storetest.Inventory("bad-1", now-12h, 3); the sharded scan "org-1" of
// legacyShards' parts (the third retried with 250 resources), its shard
// counters, FinalizeParts and status; and one kv item of the ledger.
var legacyNow = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

func legacyShards() []*cloudscope.ShardPart {
	var out []*cloudscope.ShardPart
	for i, s := range []cloudscope.Shard{{ScanID: "org-1", AccountID: "111111111111", Region: "eu-west-1"},
		{ScanID: "org-1", AccountID: "111111111111", Region: "us-east-1", Types: []cloudscope.ResourceType{cloudscope.S3}},
		{ScanID: "org-1", AccountID: "222222222222", Region: "us-east-1"}} {
		p := storetest.Part(s, legacyNow.Add(-time.Hour), 300+100*i, "first")
		if i == 2 {
			p = storetest.Part(s, legacyNow.Add(-time.Hour), 250, "retry")
		}
		out = append(out, p)
	}
	return out
}

func TestHistoryOfTheVersionBeforeStillReads(t *testing.T) {
	src, err := os.ReadFile("testdata/state-v1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return legacyNow.Add(time.Hour) }
	me := func(context.Context) (string, error) { return "123456789012", nil }
	st, err := OpenFor(path, 0, now, me)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hs, err := st.List(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	if want := []string{"org-1", "acct-1", "old-1"}; !slices.Equal(ids, want) {
		t.Fatalf("history: %v, want %v", ids, want)
	}
	check := func(id string, want []cloudscope.Resource, findings int) {
		t.Helper()
		got, err := st.Get(ctx, id)
		if err != nil || got == nil {
			t.Fatalf("%s: %v %v", id, got, err)
		}
		want = slices.Clone(want)
		slices.SortStableFunc(want, cloudscope.CompareResources)
		if len(got.Resources) != len(want) || !reflect.DeepEqual(got.Resources, want) {
			t.Errorf("%s: %d resources read, want %d as stored", id, len(got.Resources), len(want))
		}
		if len(got.Findings) != findings {
			t.Errorf("%s: %d findings, want %d", id, len(got.Findings), findings)
		}
		var paged []cloudscope.Resource
		if err := st.ResourceChunks(ctx, id, nil, func(rs []cloudscope.Resource) error { paged = append(paged, rs...); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(paged) != len(want) || !slices.IsSortedFunc(paged, cloudscope.CompareStored) {
			t.Errorf("%s: %d resources in chunks (sorted %v), want %d in the stored order", id, len(paged), slices.IsSortedFunc(paged, cloudscope.CompareStored), len(want))
		}
	}
	old := storetest.Inventory("old-1", legacyNow.Add(-48*time.Hour), 1200)
	check("old-1", old.Resources, 0)
	check("acct-1", storetest.InventoryOf("acct-1", legacyNow.Add(-24*time.Hour), 900, []string{"123456789012"}).Resources, 0)
	var org []cloudscope.Resource
	findings := 0
	for _, p := range legacyShards() {
		org = append(org, p.Resources...)
		findings += len(p.Findings)
	}
	check("org-1", org, findings)
	if h, _ := st.Header(ctx, "old-1"); h == nil || h.Notification != cloudscope.NotifySent || !h.FinishedAt.Equal(old.FinishedAt) {
		t.Errorf("old-1's header: %+v", h)
	}
	if bad, err := st.Get(ctx, "bad-1"); err != nil || bad == nil || !bad.Failed() {
		t.Errorf("the failed scan is kept for Get: %+v %v", bad, err)
	}
	if prev, err := st.Before(ctx, "acct-1"); err != nil || prev == nil || prev.ID != "old-1" {
		t.Errorf("before acct-1: %+v %v", prev, err)
	}
	if it, ok, err := st.KV().Get(ctx, kv.Key{Partition: kv.Scope("123456789012", "ledger"), Sort: "x"}); !ok || err != nil || string(it.Value) != `{"a":1}` {
		t.Errorf("the ledger's item: %q %v %v", it.Value, ok, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Read once: the history stays with the identity that adopted it, and
	// another identity opening the file sees none of it.
	st, err = OpenFor(path, 0, now, me)
	if err != nil {
		t.Fatal(err)
	}
	if hs, err := st.List(ctx, 10); err != nil || len(hs) != 3 {
		t.Errorf("reopened: %d snapshots, %v", len(hs), err)
	}
	_ = st.Close()
	other, err := OpenFor(path, 0, now, func(context.Context) (string, error) { return "999999999999", nil })
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if hs, err := other.List(ctx, 10); err != nil || len(hs) != 0 {
		t.Errorf("another identity sees %d snapshots (%v)", len(hs), err)
	}
	if h, err := other.LatestHeader(ctx); h != nil || err != nil {
		t.Errorf("another identity's latest: %+v %v", h, err)
	}
}
