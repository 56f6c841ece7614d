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
	regions := []string{"ap-southeast-2", "eu-west-1", "us-east-1"}
	states := []string{"running", "stopped", "available"}
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: finished.Add(-time.Minute), FinishedAt: finished,
		Regions: regions, Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyNone, Outcome: cloudscope.OutcomeComplete},
		Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	for i := range n {
		created := finished.Add(-time.Duration(i%97) * time.Hour)
		r := cloudscope.Resource{Type: cloudscope.ResourceTypes[i%len(cloudscope.ResourceTypes)], ID: fmt.Sprintf("res-%06d", (i*7919)%n),
			Name: fmt.Sprintf("Name %03d", (i*31)%1000), Region: regions[i%len(regions)], State: states[i%len(states)], CreatedAt: &created}
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
// and sorts equal a reference computed here.
func RunInventory(t *testing.T, newStore func(t *testing.T, clock *Clock) InventoryStore) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	snap := Inventory("inv-1", clock.Now(), 2300)
	if err := st.Save(ctx, snap); err != nil {
		t.Fatal(err)
	}
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
		{Limit: "100"}, // a newer scan lands while these pages are read
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
			want := reference(snap.Resources, q, in.Sort)
			var got []cloudscope.Resource
			var wg sync.WaitGroup
			for page := 0; ; page++ {
				p, err := svc.List(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if p.SnapshotID != "inv-1" || p.Counts.Total != len(want) {
					t.Fatalf("page %d: snapshot %s, total %d; want inv-1 and %d", page, p.SnapshotID, p.Counts.Total, len(want))
				}
				got = append(got, p.Resources...)
				if page == 1 && i == len(cases)-1 {
					// A newer scan lands while the pages are read: the cursor keeps to its own.
					wg.Go(func() {
						if err := st.Save(ctx, Inventory("inv-2", clock.Now().Add(time.Hour), 50)); err != nil {
							t.Error(err)
						}
					})
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
				if got[j].ID != want[j].ID || got[j].Type != want[j].Type {
					t.Fatalf("resource %d is %s/%s, want %s/%s", j, got[j].Type, got[j].ID, want[j].Type, want[j].ID)
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
