package scan

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
)

// A one-account scan is a plan of one account: the plan's part plans
// exactly that account's regions (and its buckets' shard), each shard
// stored its part, and the finalize made the snapshot from them.
func TestAOneAccountScanIsAPlanOfOneAccount(t *testing.T) {
	acct, _, store, _ := setup()
	eu := instance("i-eu")
	eu.Region = "eu-west-1"
	acct.resources = append(acct.resources, eu)
	s := New(Deps{Discovery: acct, Metrics: acct, Costs: acct, Store: store, Thresholds: bottleneck.Defaults, Now: ticking(now),
		Account: func(context.Context) (string, error) { return "111122223333", nil }})
	ctx := context.Background()
	res, err := s.Run(ctx, "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys, planned []string
	resources := 0
	err = store.PartSummaries(ctx, "scan-1", func(p cloudscope.ShardPart) error {
		keys = append(keys, p.Shard.Key())
		planned = append(planned, p.Planned...)
		resources += p.Counts.Resources
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"111122223333#eu-west-1", "111122223333#us-east-1", "111122223333#us-east-1#s3"}
	if slices.Sort(planned); !slices.Equal(planned, want) {
		t.Errorf("the plan: %v; want the account's two regions and its buckets %v", planned, want)
	}
	if want := append([]string{PlanShard("scan-1").Key()}, want...); !slices.Equal(keys, want) {
		t.Errorf("parts stored %v; want the plan's and every shard's %v", keys, want)
	}
	snap := res.Snapshot
	if resources != 3 || snap.Counts.Resources != 3 || len(snap.Resources) != 3 || !slices.Equal(snap.Regions, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("the parts count %d resources; the snapshot %d (%d held), regions %v", resources, snap.Counts.Resources, len(snap.Resources), snap.Regions)
	}
	for _, r := range snap.Resources {
		if r.AccountID != "111122223333" {
			t.Errorf("%s has account %q", r.ID, r.AccountID)
		}
	}
	// A retried delivery of the stored scan plans nothing and leaves its
	// parts as they are.
	if again, err := s.oneAccount(nil).Plan(ctx, "scan-1"); err != nil || len(again) != 0 {
		t.Errorf("the stored scan planned again: %v %v", again, err)
	}
	parts := 0
	_ = store.PartSummaries(ctx, "scan-1", func(cloudscope.ShardPart) error { parts++; return nil })
	if got, _ := store.Get(ctx, "scan-1"); parts != 4 || got == nil || len(got.Resources) != 3 {
		t.Errorf("after a retried plan: %d parts, %+v", parts, got)
	}
	// One account's costs are by service, as its bill reads.
	if snap.Costs == nil || len(snap.Costs.Top) != 1 || snap.Costs.Top[0].Key != "Amazon EC2" {
		t.Errorf("costs %+v", snap.Costs)
	}
}

// The live view runs the same plan with its parts in memory: it stores
// nothing (no part, no status, no snapshot), and holds its resources.
func TestTheLiveViewStoresNothing(t *testing.T) {
	_, _, store, s := setup()
	ctx := context.Background()
	snap, err := (&Service{Scanner: s, Store: store}).Live(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Findings) != 2 || len(snap.Resources) != 2 || snap.Outcome != cloudscope.OutcomeComplete {
		t.Errorf("live: %d findings, %d resources, %s", len(snap.Findings), len(snap.Resources), snap.Outcome)
	}
	parts := 0
	_ = store.PartSummaries(ctx, "live", func(cloudscope.ShardPart) error { parts++; return nil })
	st, _ := store.Status(ctx, "live")
	latest, _ := store.Latest(ctx)
	if parts != 0 || st != nil || latest != nil {
		t.Errorf("the live view stored %d parts, status %+v, snapshot %v", parts, st, latest != nil)
	}
	// A store that keeps no parts: the scan keeps them in memory and saves
	// the snapshot whole.
	whole := New(Deps{Discovery: s.d.Discovery, Metrics: s.d.Metrics, Store: noParts{memstore.New()}, Thresholds: bottleneck.Defaults})
	res, err := whole.Run(ctx, "scan-1", nil)
	if err != nil || len(res.Snapshot.Resources) != 2 {
		t.Fatalf("a scan saved whole: %+v %v", res, err)
	}
	if got, _ := whole.d.Store.Get(ctx, "scan-1"); got == nil || len(got.Resources) != 2 || len(got.Findings) != 2 {
		t.Errorf("stored whole: %+v", got)
	}
}

// noParts is a store that keeps no parts.
type noParts struct{ Store }

// The live view's shards may run elsewhere (deployed: the shard function,
// EngineDeps.Shards): the plan lists the regions here, each shard runs
// there (LiveShard: nothing stored, the part answered without its
// resources), and the findings are those of the view run in one process.
// A shard that cannot be run, twice, is an error of the view, not a region
// quietly missing.
func TestTheLiveViewsShardsRunWhereTheyAreSent(t *testing.T) {
	acct, _, store, here := setup()
	eu := instance("i-eu")
	eu.Region = "eu-west-1"
	acct.resources = append(acct.resources, eu, cloudscope.Resource{Type: cloudscope.S3, ID: "logs-eu", Region: "eu-west-1"})
	account := func(context.Context) (string, error) { return "111122223333", nil }
	here.who = &identity{lookup: account}
	ctx := context.Background()
	want, err := here.Evaluate(ctx, "live", nil)
	if err != nil {
		t.Fatal(err)
	}
	there := here.oneAccount(nil) // the shard function's engine
	var sent []string
	var mu sync.Mutex
	elsewhere := func(run ShardRunner) *Scanner {
		return New(Deps{Discovery: RegionsOnly(acct), Store: store, Thresholds: bottleneck.Defaults, Now: ticking(now), RetryPause: time.Millisecond, Account: account,
			Shards: func(ctx context.Context, sh cloudscope.Shard, regions []string) (*cloudscope.ShardPart, error) {
				mu.Lock()
				sent = append(sent, sh.Key())
				mu.Unlock()
				return run(ctx, sh, regions)
			}})
	}
	front := elsewhere(there.LiveShard)
	got, err := front.Evaluate(ctx, "live", nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Sort(sent); !slices.Equal(sent, []string{"111122223333#eu-west-1", "111122223333#us-east-1", "111122223333#us-east-1#s3"}) {
		t.Errorf("shards sent %v; want the account's regions and its buckets'", sent)
	}
	ids := func(s *cloudscope.Snapshot) (out []string) {
		for _, f := range s.Findings {
			out = append(out, f.ID)
		}
		return out
	}
	if len(want.Findings) == 0 || !slices.Equal(ids(got), ids(want)) || got.Counts.Resources != want.Counts.Resources || got.Outcome != want.Outcome {
		t.Errorf("sent: %v, %d resources, %s; in one process: %v, %d, %s", ids(got), got.Counts.Resources, got.Outcome, ids(want), want.Counts.Resources, want.Outcome)
	}
	if len(got.Resources) != 0 {
		t.Errorf("the parts came back with %d resources", len(got.Resources))
	}
	parts := 0
	_ = store.PartSummaries(ctx, "live", func(cloudscope.ShardPart) error { parts++; return nil })
	if latest, _ := store.Latest(ctx); parts != 0 || latest != nil {
		t.Errorf("stored %d parts, a snapshot %v", parts, latest != nil)
	}
	// A view of some regions: the buckets' shard, run elsewhere, keeps
	// only theirs, as it does in one process.
	sent = nil
	scopedHere, err := here.Evaluate(ctx, "live", []string{"us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	scopedThere, err := front.Evaluate(ctx, "live", []string{"us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Sort(sent); !slices.Equal(sent, []string{"111122223333#us-east-1", "111122223333#us-east-1#s3"}) || scopedThere.Counts.Resources != 2 ||
		scopedThere.Counts.Resources != scopedHere.Counts.Resources || scopedThere.Counts.ByType[cloudscope.S3] != 0 {
		t.Errorf("us-east-1 alone: sent %v, %d resources (%v); in one process %d", sent, scopedThere.Counts.Resources, scopedThere.Counts.ByType, scopedHere.Counts.Resources)
	}

	// A shard refused for a passing reason is sent once more; one refused
	// for good is not (the view has 30 seconds); either is an error of
	// the view, not a region quietly missing.
	for code, tries := range map[cloudscope.ErrorCode]int{cloudscope.CodeUnavailable: 2, cloudscope.CodeTooLarge: 1} {
		sent = nil
		refused := elsewhere(func(context.Context, cloudscope.Shard, []string) (*cloudscope.ShardPart, error) {
			return nil, cloudscope.Errorf(code, "the shard function refused")
		})
		failed, err := refused.Evaluate(ctx, "live", nil)
		if err != nil {
			t.Fatal(err)
		}
		if failed.Outcome != cloudscope.OutcomeFailed || len(failed.Errors) != 3 || failed.Errors[0].Service != "shard" || len(sent) != 3*tries {
			t.Errorf("every shard refused (%s): %s, errors %+v, %d shards sent; want %d", code, failed.Outcome, failed.Errors, len(sent), 3*tries)
		}
	}

	// Without its account a shard cannot be sent (the shard function
	// refuses a shard that names none), and such a scanner never stores a
	// scan: its parts come back without their resources.
	anonymous := New(Deps{Discovery: RegionsOnly(acct), Store: store, Thresholds: bottleneck.Defaults, Shards: there.LiveShard})
	if _, err := anonymous.Evaluate(ctx, "live", nil); cloudscope.CodeOf(err) != cloudscope.CodeUnavailable {
		t.Errorf("a live view of no known account: %v", err)
	}
	if _, err := front.Run(ctx, "scan-9", nil); err == nil {
		t.Error("a scanner whose shards run elsewhere ran a stored scan")
	}
}

// A span keeps its period and window, and spans sort by period, then
// window: the order the rule reads' requests are made in.
func TestSpansSortByPeriodThenWindow(t *testing.T) {
	spans := []span{spanOf(86400, 14), spanOf(3600, 30), spanOf(300, 1), spanOf(3600, 14), spanOf(86400, 1)}
	slices.Sort(spans)
	var got []string
	for _, s := range spans {
		got = append(got, fmt.Sprintf("%d/%d", s.period(), s.days()))
	}
	if want := "[300/1 3600/14 3600/30 86400/1 86400/14]"; fmt.Sprint(got) != want {
		t.Errorf("sorted %v; want %s", got, want)
	}
}
