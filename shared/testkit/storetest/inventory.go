package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// InventoryStore is a store that also answers inventory reads.
type InventoryStore interface {
	scan.Store
	inventory.Source
}

// Inventory is a synthetic scan: n resources over three regions and every
// type, with states, names and tags to filter and sort by.
func Inventory(id string, finished time.Time, n int) *cloudscope.Snapshot {
	return InventoryOf(id, finished, n, nil)
}

// InventoryOf is Inventory over accounts (none: resources without one, as
// a one-account scan stored them before accounts were recorded).
func InventoryOf(id string, finished time.Time, n int, accounts []string) *cloudscope.Snapshot {
	regions := []string{"ap-southeast-2", "eu-west-1", "us-east-1"}
	states := []string{"running", "stopped", "available"}
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: finished.Add(-time.Minute), FinishedAt: finished,
		Regions: regions, Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyNone, Outcome: cloudscope.OutcomeComplete},
		Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	for i := range n {
		created := finished.Add(-time.Duration(i%97) * time.Hour)
		r := cloudscope.Resource{Type: cloudscope.ResourceTypes[i%len(cloudscope.ResourceTypes)], ID: fmt.Sprintf("res-%06d", (i*7919)%n),
			Name: fmt.Sprintf("Name %03d", (i*31)%1000), Region: regions[i%len(regions)], State: states[i%len(states)], CreatedAt: &created}
		if len(accounts) > 0 {
			r.AccountID = accounts[(i/7)%len(accounts)]
		}
		if i%5 == 0 {
			r.Tags = map[string]string{"team": []string{"payments", "search"}[i%2], "env": "prod"}
		}
		s.Resources = append(s.Resources, r)
	}
	slices.SortFunc(s.Resources, cloudscope.CompareResources)
	s.Counts.CountResources(s.Resources)
	return s
}

// RunInventory is the contract of stored reads: pages cover every match
// exactly once, in order, even while a newer snapshot is written; filters
// and sorts equal a reference computed here. It runs over a snapshot whose
// resources carry no account (the layout stored before accounts, which
// must still read) and over one of three accounts.
func RunInventory(t *testing.T, newStore func(t *testing.T, clock *Clock) InventoryStore) {
	for name, accounts := range map[string][]string{"WithoutAccounts": nil, "ThreeAccounts": {"111111111111", "222222222222", "333333333333"}} {
		t.Run(name, func(t *testing.T) {
			clock := NewClock()
			st := newStore(t, clock)
			snap := InventoryOf("inv-1", clock.Now(), 2300, accounts)
			if err := st.Save(context.Background(), snap); err != nil {
				t.Fatal(err)
			}
			CheckPages(t, st, "inv-1", snap.Resources, func() {
				// A newer scan lands while the pages are read: the cursor keeps to its own.
				if err := st.Save(context.Background(), InventoryOf("inv-2", clock.Now().Add(time.Hour), 50, accounts)); err != nil {
					t.Error(err)
				}
			})
		})
	}
}

// CheckPages pages the inventory of the newest snapshot (id, holding all)
// with filters and sorts, each against the reference; meanwhile, once,
// during the last case's pages.
func CheckPages(t *testing.T, st inventory.Source, id string, all []cloudscope.Resource, meanwhile func()) {
	t.Helper()
	ctx := context.Background()
	svc := inventory.New(st, nil, inventory.Options{})
	cases := []inventory.Input{
		{},
		{Regions: []string{"eu-west-1"}},
		{Regions: []string{"us-east-1", "ap-southeast-2"}, Types: []string{"ec2", "lambda"}},
		{States: []string{"stopped"}, Sort: "name"},
		{Tag: "team=payments", Sort: "-created_at"},
		{Tag: "env"},
		{Search: "NAME 01", Sort: "-id"},
		{Sort: "state", Limit: "1000"},
		{Regions: []string{"eu-west-1"}, Search: "res-0000", Sort: "region"},
		{Limit: "100"}, // meanwhile runs while these pages are read
	}
	for i, in := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if in.Limit == "" {
				in.Limit = "237"
			}
			q, err := inventory.NewQuery(in)
			if err != nil {
				t.Fatal(err)
			}
			want := reference(all, q, in.Sort)
			var got []cloudscope.Resource
			var wg sync.WaitGroup
			for page := 0; ; page++ {
				p, err := svc.List(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if p.SnapshotID != id || p.Counts.Total != len(want) {
					t.Fatalf("page %d: snapshot %s, total %d; want %s and %d", page, p.SnapshotID, p.Counts.Total, id, len(want))
				}
				got = append(got, p.Resources...)
				if page == 1 && i == len(cases)-1 && meanwhile != nil {
					wg.Go(meanwhile)
					wg.Wait()
				}
				if p.NextCursor == "" {
					break
				}
				in.Cursor = p.NextCursor
				if q, err = inventory.NewQuery(in); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d resources over the pages, want %d", len(got), len(want))
			}
			for j := range want {
				if got[j].ID != want[j].ID || got[j].Type != want[j].Type || got[j].AccountID != want[j].AccountID {
					t.Fatalf("resource %d is %s/%s/%s, want %s/%s/%s", j, got[j].AccountID, got[j].Type, got[j].ID, want[j].AccountID, want[j].Type, want[j].ID)
				}
			}
		})
	}
}

// reference filters and sorts the slow, obvious way.
func reference(all []cloudscope.Resource, q inventory.Query, sort string) []cloudscope.Resource {
	var out []cloudscope.Resource
	for _, r := range all {
		if q.Match(&r) {
			out = append(out, r)
		}
	}
	desc := strings.HasPrefix(sort, "-")
	col := strings.TrimPrefix(sort, "-")
	key := func(r cloudscope.Resource) string {
		switch col {
		case "name":
			return strings.ToLower(r.Name)
		case "id":
			return r.ID
		case "state":
			return r.State
		case "region":
			return r.Region
		case "created_at":
			return r.CreatedAt.UTC().Format(time.RFC3339Nano)
		}
		return ""
	}
	slices.SortStableFunc(out, func(a, b cloudscope.Resource) int {
		c := strings.Compare(key(a), key(b))
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cloudscope.CompareStored(a, b)
	})
	return out
}
