package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/inventory"
)

// Accounts of the synthetic organization: the management account and two members.
var Accounts = []string{"111111111111", "222222222222", "333333333333"}

// InventoryOfAccounts is Inventory with its resources spread over Accounts,
// one in turn.
func InventoryOfAccounts(id string, finished time.Time, n int) *cloudscope.Snapshot {
	s := Inventory(id, finished, n)
	for i := range s.Resources {
		s.Resources[i].AccountID = Accounts[i%len(Accounts)]
	}
	s.Counts.CountResources(s.Resources)
	return s
}

// RunInventoryAccounts is the contract of stored reads filtered by account:
// each page holds only the accounts asked, the pages cover every resource
// of those accounts once, and the counts are theirs.
func RunInventoryAccounts(t *testing.T, newStore func(t *testing.T, clock *Clock) InventoryStore) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	snap := InventoryOfAccounts("acc-1", clock.Now(), 900)
	if err := st.Save(ctx, snap); err != nil {
		t.Fatal(err)
	}
	svc := inventory.New(st, nil, inventory.Options{})
	for _, in := range []inventory.Input{
		{Accounts: []string{Accounts[1]}},
		{Accounts: []string{Accounts[0], Accounts[2]}, Regions: []string{"eu-west-1"}, Sort: "-name"},
		{Accounts: []string{"444444444444"}},
	} {
		t.Run(fmt.Sprint(in.Accounts, in.Regions), func(t *testing.T) {
			want := map[string]bool{}
			for _, r := range snap.Resources {
				if slices.Contains(in.Accounts, r.AccountID) && (len(in.Regions) == 0 || slices.Contains(in.Regions, r.Region)) {
					want[r.AccountID+"/"+r.ID] = true
				}
			}
			in.Limit = "100"
			got := map[string]bool{}
			for {
				q, err := inventory.NewQuery(in)
				if err != nil {
					t.Fatal(err)
				}
				p, err := svc.List(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if p.Counts.Total != len(want) {
					t.Fatalf("total %d, want %d", p.Counts.Total, len(want))
				}
				for _, r := range p.Resources {
					k := r.AccountID + "/" + r.ID
					if !want[k] || got[k] {
						t.Fatalf("%s: not asked for, or shown twice", k)
					}
					got[k] = true
				}
				if p.NextCursor == "" {
					break
				}
				in.Cursor = p.NextCursor
			}
			if len(got) != len(want) {
				t.Errorf("%d resources over the pages, want %d", len(got), len(want))
			}
		})
	}
	// A cursor is pinned to its accounts.
	p, err := svc.List(ctx, mustQuery(t, inventory.Input{Accounts: []string{Accounts[1]}, Limit: "10"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inventory.NewQuery(inventory.Input{Accounts: []string{Accounts[2]}, Limit: "10", Cursor: p.NextCursor}); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a cursor given with other accounts: %v, want invalid", err)
	}
}

func mustQuery(t *testing.T, in inventory.Input) inventory.Query {
	t.Helper()
	q, err := inventory.NewQuery(in)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
