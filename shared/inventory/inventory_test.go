package inventory

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/pagecursor"
)

// slowAccount is a discovery that takes a while and counts its calls.
type slowAccount struct {
	calls   atomic.Int32
	delay   time.Duration
	release chan struct{}
}

func (a *slowAccount) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	a.calls.Add(1)
	if a.release != nil {
		<-a.release
	}
	time.Sleep(a.delay)
	inv := &resourcequery.Inventory{Regions: []string{"eu-west-1", "us-east-1"}, Errors: []cloudscope.Failure{}}
	for i := range 1200 {
		inv.Resources = append(inv.Resources, cloudscope.Resource{Type: cloudscope.ResourceTypes[i%4], ID: fmt.Sprintf("r-%04d", i), Region: inv.Regions[i%2]})
	}
	return inv, nil
}

func query(t *testing.T, in Input) Query {
	t.Helper()
	q, err := NewQuery(in)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Fifty identical live requests at once make one discovery, and a request
// within the reuse window makes none.
func TestLiveRequestsShareOneDiscovery(t *testing.T) {
	acct := &slowAccount{delay: 50 * time.Millisecond}
	svc := New(nil, acct, Options{})
	var wg sync.WaitGroup
	ids := make([]string, 50)
	for i := range 50 {
		wg.Go(func() {
			p, err := svc.List(context.Background(), query(t, Input{Source: "live", Regions: []string{"us-east-1"}}))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = p.SnapshotID
		})
	}
	wg.Wait()
	if n := acct.calls.Load(); n != 1 {
		t.Errorf("%d discoveries for 50 identical requests, want 1", n)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("answers from different discoveries: %v", ids)
		}
	}
	if _, err := svc.List(context.Background(), query(t, Input{Source: "live", Regions: []string{"us-east-1"}})); err != nil || acct.calls.Load() != 1 {
		t.Errorf("within the reuse window: %d discoveries, %v", acct.calls.Load(), err)
	}
}

// Past MaxLive different live discoveries at once, a request is refused
// as busy rather than queued behind them.
func TestLiveDiscoveriesAreBounded(t *testing.T) {
	acct := &slowAccount{release: make(chan struct{})}
	svc := New(nil, acct, Options{MaxLive: 2})
	var wg sync.WaitGroup
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		wg.Go(func() {
			if _, err := svc.List(context.Background(), query(t, Input{Source: "live", Regions: []string{region}})); err != nil {
				t.Error(err)
			}
		})
	}
	for acct.calls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	_, err := svc.List(context.Background(), query(t, Input{Source: "live", Regions: []string{"ap-south-1"}}))
	if cloudscope.CodeOf(err) != cloudscope.CodeBusy {
		t.Errorf("a third live discovery: %v, want busy", err)
	}
	close(acct.release)
	wg.Wait()
}

// A live answer pages like a stored one, and its cursor works while the
// answer is kept; a cursor of another question is refused.
func TestLivePagesAndCursors(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	acct := &slowAccount{}
	svc := New(nil, acct, Options{Now: func() time.Time { return now }})
	in := Input{Source: "live", Limit: "500"}
	var seen []string
	for {
		p, err := svc.List(context.Background(), query(t, in))
		if err != nil {
			t.Fatal(err)
		}
		if p.Counts.Total != 1200 || p.Source != SourceLive {
			t.Fatalf("total %d source %s", p.Counts.Total, p.Source)
		}
		for _, r := range p.Resources {
			seen = append(seen, r.ID)
		}
		if p.NextCursor == "" {
			break
		}
		in.Cursor = p.NextCursor
	}
	if len(seen) != 1200 || acct.calls.Load() != 1 {
		t.Errorf("%d resources over the pages in %d discoveries", len(seen), acct.calls.Load())
	}
	if _, err := NewQuery(Input{Source: "live", Limit: "500", Sort: "name", Cursor: in.Cursor}); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a cursor given with another sort: %v", err)
	}
	if _, err := NewQuery(Input{Cursor: "not-a-cursor"}); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a forged cursor: %v", err)
	}
	now = now.Add(2 * time.Minute) // the answer is gone
	if _, err := svc.List(context.Background(), query(t, in)); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a cursor into an expired live answer: %v", err)
	}
}

func TestNewQueryRefusesBadInput(t *testing.T) {
	for _, in := range []Input{
		{Regions: []string{"xx"}}, {Types: []string{"ec3"}}, {Sort: "colour"}, {Limit: "0"}, {Limit: "1001"}, {Limit: "ten"},
		{Source: "yesterday"}, {Tag: "=v"}, {Search: string(make([]byte, 300))},
		{Accounts: []string{"12345"}}, {Accounts: []string{"self"}}, {Accounts: manyAccounts(cloudscope.MaxListValues + 1)},
	} {
		if _, err := NewQuery(in); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
			t.Errorf("%+v: %v", in, err)
		}
	}
}

// A cursor is refused when it pages past any inventory: offset+limit must
// never overflow, whoever made the cursor.
func TestACursorTooDeepIsRefused(t *testing.T) {
	q := query(t, Input{Sort: "name"})
	deep := pagecursor.Encode(cursor{Snapshot: "s", Offset: MaxOffset + 1, Question: q.question()})
	if _, err := NewQuery(Input{Sort: "name", Cursor: deep}); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a cursor %d deep: %v", MaxOffset+1, err)
	}
	ok := pagecursor.Encode(cursor{Snapshot: "s", Offset: 1000, Question: q.question()})
	if _, err := NewQuery(Input{Sort: "name", Cursor: ok}); err != nil {
		t.Errorf("a cursor 1000 deep: %v", err)
	}
}

// Without a store, source=latest has nothing to read: 404, never a live
// discovery in its place; the default reads live.
func TestLatestWithoutAStoreIsNotFound(t *testing.T) {
	acct := &slowAccount{}
	svc := New(nil, acct, Options{})
	if _, err := svc.List(context.Background(), query(t, Input{Source: "latest"})); cloudscope.CodeOf(err) != cloudscope.CodeNotFound || acct.calls.Load() != 0 {
		t.Errorf("source=latest without a store: %v, %d discoveries", err, acct.calls.Load())
	}
	if p, err := svc.List(context.Background(), query(t, Input{})); err != nil || p.Source != SourceLive {
		t.Errorf("the default without a store: %v", err)
	}
}

func manyAccounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%012d", i)
	}
	return out
}
