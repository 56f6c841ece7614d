package snapstore_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/snapstore"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

// queries counts the Queries and the items they served.
type queries struct {
	kv.Store
	calls, items atomic.Int64
}

func (q *queries) Query(ctx context.Context, p, prefix, after string, limit int, fn func(kv.Item) error) error {
	q.calls.Add(1)
	return q.Store.Query(ctx, p, prefix, after, limit, func(it kv.Item) error { q.items.Add(1); return fn(it) })
}

// A read from an offset of the stored order answers what a whole read
// does past it, and reads only the chunks from the one holding it.
func TestResourceChunksAfterStartsAtItsChunk(t *testing.T) {
	ctx := context.Background()
	counted := &queries{Store: kv.NewMemory(nil)}
	st := snapstore.New(counted, snapstore.Options{})
	for _, accounts := range [][]string{nil, {"111111111111", "222222222222"}} {
		snap := storetest.InventoryOf("s", time.Now(), 5000, accounts)
		snap.ID = "s" + string(rune('0'+len(accounts)))
		if err := st.Save(ctx, snap); err != nil {
			t.Fatal(err)
		}
		for _, regions := range [][]string{nil, {"eu-west-1"}, {"us-east-1", "ap-southeast-2"}} {
			var all []cloudscope.Resource
			if err := st.ResourceChunks(ctx, snap.ID, regions, func(rs []cloudscope.Resource) error { all = append(all, rs...); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.IsSortedFunc(all, cloudscope.CompareStored) {
				t.Fatal("not in the stored order")
			}
			for _, skip := range []int{0, 1, 499, 500, 501, 1234, len(all) - 1, len(all), len(all) + 7} {
				var got []cloudscope.Resource
				counted.items.Store(0)
				if err := st.ResourceChunksAfter(ctx, snap.ID, regions, skip, func(rs []cloudscope.Resource) error {
					got = append(got, rs...)
					if len(got) >= 100 {
						return cloudscope.ErrStop
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				want := all[min(skip, len(all)):]
				want = want[:min(len(want), len(got))]
				if len(got) != min(100, len(all)-min(skip, len(all))) && len(got) < 100 || !slices.EqualFunc(got[:len(want)], want, func(a, b cloudscope.Resource) bool { return a.ID == b.ID && a.AccountID == b.AccountID }) {
					t.Fatalf("accounts %v regions %v skip %d: %d read, not the %d after the offset", accounts, regions, skip, len(got), len(want))
				}
				// The page and at most the chunks decoded ahead of it.
				if counted.items.Load() > 2+2*8 {
					t.Errorf("accounts %v regions %v skip %d: %d chunks read for one page", accounts, regions, skip, counted.items.Load())
				}
			}
		}
	}
}

// Two identities over one kv store see only their own scans, latest and lease.
func TestIdentitiesAreApart(t *testing.T) {
	ctx := context.Background()
	mem := kv.NewMemory(nil)
	a := snapstore.New(mem, snapstore.Options{Identity: func(context.Context) (string, error) { return "111111111111", nil }})
	b := snapstore.New(mem, snapstore.Options{Identity: func(context.Context) (string, error) { return snapstore.Identity("222222222222", "org"), nil }})
	if err := a.Save(ctx, storetest.Inventory("scan-a", time.Now(), 10)); err != nil {
		t.Fatal(err)
	}
	if h, err := b.LatestHeader(ctx); h != nil || err != nil {
		t.Errorf("b's latest is a's: %+v %v", h, err)
	}
	if s, err := b.Get(ctx, "scan-a"); s != nil || err != nil {
		t.Errorf("b reads a's scan: %v", err)
	}
	if h, err := a.AcquireScanLease(ctx, "scan-a2", time.Hour); h != "" || err != nil {
		t.Fatal(h, err)
	}
	if h, err := b.AcquireScanLease(ctx, "scan-b", time.Hour); h != "" || err != nil {
		t.Errorf("b is held off by a's lease: %q %v", h, err)
	}
	if h, err := a.LatestHeader(ctx); h == nil || h.ID != "scan-a" || err != nil {
		t.Errorf("a's latest: %+v %v", h, err)
	}
}

// A read of slim chunks narrowed by Where skips the chunks that no
// resource of can match, by the header's sets, and still gives every
// resource that does; a filter no chunk can be skipped by reads them all.
func TestSlimChunksWhereSkipsChunks(t *testing.T) {
	ctx := context.Background()
	counted := &queries{Store: kv.NewMemory(nil)}
	st := snapstore.New(counted, snapstore.Options{})
	snap := storetest.InventoryOf("s", time.Now(), 6000, []string{"111111111111", "222222222222"})
	for i := range snap.Resources {
		r := &snap.Resources[i]
		// States by type and a tag key of one account, as a real estate has them.
		r.State = map[cloudscope.ResourceType]string{cloudscope.EC2: "stopped", cloudscope.RDS: "stopped"}[r.Type]
		if r.State == "" {
			r.State = "available"
		}
		r.Tags = map[string]string{"env": "prod"}
		if r.AccountID == "222222222222" && r.Type == cloudscope.Volume {
			r.Tags["owner"] = "ann"
		}
	}
	if err := st.Save(ctx, snap); err != nil {
		t.Fatal(err)
	}
	read := func(regions []string, where snapstore.Where) (map[string]bool, int) {
		counted.items.Store(0)
		got := map[string]bool{}
		ok, err := st.SlimChunksWhere(ctx, "s", regions, where, func(_ string, rs []cloudscope.Resource) error {
			for _, r := range rs {
				got[r.AccountID+"/"+r.ID] = true
			}
			return nil
		})
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		return got, int(counted.items.Load())
	}
	_, all := read(nil, snapstore.Where{})
	for _, tc := range []struct {
		regions []string
		where   snapstore.Where
		skips   bool
	}{
		{nil, snapstore.Where{States: []string{"stopped"}}, true},
		{nil, snapstore.Where{TagKey: "owner"}, true},
		{[]string{"eu-west-1"}, snapstore.Where{States: []string{"available"}, TagKey: "owner"}, true},
		{nil, snapstore.Where{Accounts: []string{"111111111111"}, Types: []cloudscope.ResourceType{cloudscope.S3}}, true},
		{nil, snapstore.Where{States: []string{"gone"}}, true},
		{nil, snapstore.Where{TagKey: "env"}, false}, // every chunk has one
	} {
		got, items := read(tc.regions, tc.where)
		for _, r := range snap.Resources {
			match := (len(tc.regions) == 0 || slices.Contains(tc.regions, r.Region)) &&
				(len(tc.where.Accounts) == 0 || slices.Contains(tc.where.Accounts, r.AccountID)) &&
				(len(tc.where.Types) == 0 || slices.Contains(tc.where.Types, r.Type)) &&
				(len(tc.where.States) == 0 || slices.Contains(tc.where.States, r.State))
			if _, ok := r.Tags[tc.where.TagKey]; tc.where.TagKey != "" && !ok {
				match = false
			}
			if match && !got[r.AccountID+"/"+r.ID] {
				t.Fatalf("%v %+v: %s/%s matches and was not read", tc.regions, tc.where, r.AccountID, r.ID)
			}
		}
		if tc.skips && items >= all || !tc.skips && items != all {
			t.Errorf("%v %+v: %d of %d chunks read", tc.regions, tc.where, items, all)
		}
	}
}
