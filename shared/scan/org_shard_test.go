package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

var orgNow = time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)

const mgmt = "999999999999"

// fakeAccounts: the management account, members 1 and 2, member 3 whose
// role refuses the scan, and member 4 suspended.
type fakeAccounts struct {
	clients    map[string]*awsconf.Clients
	denied     map[string]bool
	resolveErr error // Resolve fails with it when set
}

func newFakeAccounts(ids ...string) *fakeAccounts {
	f := &fakeAccounts{clients: map[string]*awsconf.Clients{}, denied: map[string]bool{}}
	for _, id := range ids {
		f.clients[id] = awsconf.NewClients(aws.Config{Region: "us-east-1"})
	}
	return f
}

func (f *fakeAccounts) Resolve(context.Context) (*accountset.Resolved, error) {
	if f.resolveErr != nil {
		return nil, f.resolveErr
	}
	r := &accountset.Resolved{Caller: mgmt, Partition: "aws", Skipped: []accountset.Account{{ID: "444444444444", State: "SUSPENDED"}}}
	for id := range f.clients {
		r.Accounts = append(r.Accounts, accountset.Account{ID: id, State: "ACTIVE"})
	}
	slices.SortFunc(r.Accounts, func(a, b accountset.Account) int { return strings.Compare(a.ID, b.ID) })
	return r, nil
}

func (f *fakeAccounts) Clients(_ context.Context, id string) (*awsconf.Clients, error) {
	if f.denied[id] {
		return nil, &cloudscope.Error{Code: cloudscope.CodeAccessDenied, Message: "sts AssumeRole into account " + id + ": AccessDenied"}
	}
	return f.clients[id], nil
}

// fakeAccount is one account's discovery and metrics: in each region, an
// instance per index (running, hot) and a stopped one; a bucket in each region.
type fakeAccount struct {
	id      string
	regions []string
	running int
	// volumes: the stopped instance stopped 45 days ago, with an idle
	// 100 GB gp3 data volume attached (and its metrics read).
	volumes  bool
	mu       sync.Mutex
	queries  []resourcequery.Query
	fetches  []int // targets per Fetch
	inFlight int
}

func (a *fakeAccount) Regions(context.Context) ([]cloudscope.Region, error) {
	var out []cloudscope.Region
	for _, r := range a.regions {
		out = append(out, cloudscope.Region{Name: r, OptInStatus: "opt-in-not-required"})
	}
	return out, nil
}

func (a *fakeAccount) Discover(_ context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	a.mu.Lock()
	a.queries = append(a.queries, q)
	a.mu.Unlock()
	inv := &resourcequery.Inventory{Errors: []cloudscope.Failure{}}
	regions := q.Regions
	if len(regions) == 0 {
		regions = a.regions
	}
	inv.Regions = regions
	for _, region := range regions {
		for _, t := range q.Types {
			inv.Listed++
			inv.Calls++
			switch t {
			case cloudscope.S3:
				inv.Resources = append(inv.Resources, cloudscope.Resource{Type: cloudscope.S3, ID: "bucket-" + a.id + "-" + region, Region: region})
			case cloudscope.EC2:
				for i := range a.running {
					inv.Resources = append(inv.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%d", i), Region: region, State: "running",
						EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}})
				}
				stopped := cloudscope.Resource{Type: cloudscope.EC2, ID: "i-stopped", Region: region, State: "stopped",
					EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}
				if a.volumes {
					at := orgNow.Add(-45 * 24 * time.Hour)
					stopped.EC2.StoppedAt = &at
				}
				inv.Resources = append(inv.Resources, stopped)
			case cloudscope.Volume:
				if a.volumes {
					inv.Resources = append(inv.Resources, cloudscope.Resource{Type: cloudscope.Volume, ID: "vol-data", Region: region, State: "in-use",
						Volume: &cloudscope.VolumeDetails{VolumeType: "gp3", SizeGB: 100, AttachedTo: []string{"i-stopped"}}})
				}
			}
		}
	}
	return inv, nil
}

func (a *fakeAccount) Fetch(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
	a.mu.Lock()
	a.fetches = append(a.fetches, len(r.Targets))
	a.mu.Unlock()
	res := &metricquery.Result{Region: r.Region, Calls: 1}
	for _, t := range r.Targets {
		if t.Type == cloudscope.Volume { // no I/O, every hour of the window
			var ops []cloudscope.Point
			for ts := r.Window.Start; ts.Before(r.Window.End); ts = ts.Add(time.Hour) {
				ops = append(ops, cloudscope.Point{T: cloudscope.At(ts), V: 0})
			}
			res.Resources = append(res.Resources, cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, HasData: true, Metrics: []cloudscope.MetricSeries{
				{Name: "VolumeReadOps", Period: 3600, Stats: map[string][]cloudscope.Point{"Sum": ops}},
				{Name: "VolumeWriteOps", Period: 3600, Stats: map[string][]cloudscope.Point{"Sum": ops}}}})
			continue
		}
		var pts []cloudscope.Point
		for h := range 48 {
			pts = append(pts, cloudscope.Point{T: cloudscope.At(r.Window.End.Add(-time.Duration(h+1) * time.Hour)), V: 99})
		}
		res.Resources = append(res.Resources, cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, HasData: true,
			Metrics: []cloudscope.MetricSeries{{Name: "CPUUtilization", Period: 3600, Stats: map[string][]cloudscope.Point{"Maximum": pts, "Average": pts}}}})
	}
	return res, nil
}

// fakeCosts answers every query with one group per account.
type fakeCosts struct {
	mu      sync.Mutex
	queries []costquery.Query
}

func (c *fakeCosts) Report(_ context.Context, q costquery.Query) (*costquery.Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries = append(c.queries, q)
	total, _ := cloudscope.ParseAmount("30.50")
	return &costquery.Report{Query: q, Currency: "USD", Total: total, Groups: []cloudscope.GroupTotal{{Key: "111111111111", Amount: total, Share: 1}},
		Fetched: costquery.Fetched{Requests: 1}}, nil
}

type rig struct {
	engine *Engine
	parts  *partStore
	accts  *fakeAccounts
	by     map[*awsconf.Clients]*fakeAccount
	costs  *fakeCosts
	notes  *notifier
}

func newRig(t *testing.T, opts EngineOptions, members map[string]*fakeAccount) *rig {
	t.Helper()
	var ids []string
	for id := range members {
		ids = append(ids, id)
	}
	r := &rig{parts: newPartStore(), accts: newFakeAccounts(ids...), by: map[*awsconf.Clients]*fakeAccount{}, costs: &fakeCosts{}, notes: &notifier{}}
	for id, a := range members {
		a.id = id
		r.by[r.accts.clients[id]] = a
	}
	clock := func() time.Time { return orgNow }
	sc := New(Deps{Store: r.parts, Notifier: r.notes, Now: clock, Thresholds: bottleneck.Defaults})
	r.engine = NewEngine(EngineDeps{
		Accounts:   r.accts,
		Discovery:  func(c *awsconf.Clients) Discoverer { return r.by[c] },
		Metrics:    func(c *awsconf.Clients) Fetcher { return r.by[c] },
		Costs:      r.costs,
		Parts:      r.parts,
		Scanner:    sc,
		Now:        clock,
		HomeRegion: "us-east-1",
	}, opts)
	return r
}

// TestShardedScan: three readable accounts (one of them the management
// account), one whose role refuses, one suspended: every readable account
// complete, the refused one reported once, the suspended one listed; S3
// listed once per account; costs asked once, by linked account; one
// notification; every record with its account.
func TestShardedScan(t *testing.T) {
	ctx := context.Background()
	members := map[string]*fakeAccount{
		mgmt:           {regions: []string{"eu-west-1", "us-east-1"}, running: 1},
		"111111111111": {regions: []string{"ap-south-1", "eu-west-1", "us-east-1"}, running: 2},
		"222222222222": {regions: []string{"eu-central-2", "us-west-2"}, running: 1}, // no us-east-1: buckets filed under eu-central-2
		"333333333333": {regions: []string{"us-east-1"}},
	}
	r := newRig(t, EngineOptions{Concurrency: 3, PerAccount: 2, RetryPause: time.Millisecond}, members)
	r.accts.denied["333333333333"] = true

	res, err := r.engine.Scan(ctx, "sched-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := r.parts.Get(ctx, "sched-1")
	if err != nil || snap == nil {
		t.Fatalf("stored snapshot: %v %v", snap, err)
	}
	if res.Snapshot.ID != "sched-1" || snap.Outcome != cloudscope.OutcomePartial {
		t.Errorf("outcome %s, want partial (one member denied)", snap.Outcome)
	}
	// Shards: 1 (S3) + regions per account; the denied account none (the
	// plan names it).
	if want := (1 + 2) + (1 + 3) + (1 + 2); r.parts.total != want || r.parts.done != want || r.parts.failed != 0 {
		t.Errorf("shards total %d done %d failed %d; want %d, none failed", r.parts.total, r.parts.done, r.parts.failed, want)
	}
	var denied, skipped int
	for _, f := range snap.Errors {
		switch {
		case f.AccountID == "333333333333" && f.Code == accountset.CodeDenied && f.Region == cloudscope.Global && f.Service == "sts":
			denied++
		case f.AccountID == "444444444444" && f.Code == accountset.CodeSkipped:
			skipped++
		default:
			t.Errorf("unexpected failure %+v", f)
		}
	}
	if denied != 1 || skipped != 1 {
		t.Errorf("denied %d, skipped %d; want each once: %+v", denied, skipped, snap.Errors)
	}
	// Each account's resources: per region, its running instances and a
	// stopped one, and one bucket per region, listed once.
	byAccount := map[string]int{}
	for _, res := range snap.Resources {
		if res.AccountID == "" {
			t.Fatalf("resource without account: %+v", res)
		}
		byAccount[res.AccountID]++
	}
	for id, a := range members {
		want := len(a.regions) * (a.running + 2)
		if id == "333333333333" {
			want = 0
		}
		if byAccount[id] != want || snap.Counts.ByAccount[id] != want {
			t.Errorf("account %s: %d resources (counted %d), want %d", id, byAccount[id], snap.Counts.ByAccount[id], want)
		}
		var s3 int
		for _, q := range a.queries {
			if slices.Contains(q.Types, cloudscope.S3) {
				s3++
				if len(q.Types) != 1 || len(q.Regions) != 0 {
					t.Errorf("account %s: S3 listed with %+v: want alone, every region", id, q)
				}
			}
		}
		if id != "333333333333" && s3 != 1 {
			t.Errorf("account %s: buckets listed %d times, want once", id, s3)
		}
	}
	if _, ok := snap.Counts.ByAccount["333333333333"]; ok {
		t.Error("the denied account is counted as read")
	}
	// Findings: the hot instances, each with its account in its id.
	hot := 0
	for _, f := range snap.Findings {
		if f.AccountID == "" || !strings.Contains(f.ID, "/"+f.AccountID+"/") {
			t.Errorf("finding %s: account %q not in its id", f.ID, f.AccountID)
		}
		if f.Rule == bottleneck.EC2HighCPU {
			hot++
		}
	}
	if want := 1*2 + 2*3 + 1*2; hot != want {
		t.Errorf("%d high-CPU findings, want %d (one per running instance)", hot, want)
	}
	for _, in := range snap.Insufficient {
		if in.AccountID == "" {
			t.Errorf("undecided without account: %+v", in)
		}
	}
	if len(r.costs.queries) != 1 || r.costs.queries[0].GroupBy != "LINKED_ACCOUNT" || snap.Costs == nil || snap.Costs.Top[0].Key != "111111111111" {
		t.Errorf("costs: %+v %+v", r.costs.queries, snap.Costs)
	}
	if len(r.notes.sent) != 1 || snap.Notification != cloudscope.NotifySent {
		t.Errorf("%d notifications (state %s), want one sent", len(r.notes.sent), snap.Notification)
	}
	if !slices.Equal(snap.Regions, []string{"ap-south-1", "eu-central-2", "eu-west-1", "us-east-1", "us-west-2"}) {
		t.Errorf("regions %v", snap.Regions)
	}
	st, err := r.parts.Status(ctx, "sched-1")
	if err != nil || st == nil || st.State != cloudscope.StateDone || st.Shards == nil || st.Shards.Total != r.parts.total || st.Shards.Left() != 0 {
		t.Errorf("status %+v %v", st, err)
	}

	// The same scan again (a retried delivery): nothing new stored or sent.
	again, err := r.engine.Scan(ctx, "sched-1", nil)
	if err != nil || !again.Duplicate || len(r.notes.sent) != 1 {
		t.Errorf("second delivery: %+v %v, %d notifications", again, err, len(r.notes.sent))
	}
	// The next day: nothing new, no notification.
	if _, err := r.engine.Scan(ctx, "sched-2", nil); err != nil || len(r.notes.sent) != 1 {
		t.Errorf("next scan: %v, %d notifications", err, len(r.notes.sent))
	}
}

// TestEveryAccountDenied: nothing read anywhere is a failed
func TestEveryAccountDenied(t *testing.T) {
	r := newRig(t, EngineOptions{}, map[string]*fakeAccount{"111111111111": {regions: []string{"us-east-1"}}})
	r.accts.denied["111111111111"] = true
	_, err := r.engine.Scan(context.Background(), "s", nil)
	snap, _ := r.parts.Get(context.Background(), "s")
	if err == nil || snap == nil || snap.Outcome != cloudscope.OutcomeFailed || snap.FailedStep != "discover" {
		t.Errorf("err %v, snapshot %+v", err, snap)
	}
}

// TestMetricsInChunks: a shard reads and judges ChunkTargets resources'
// metrics at a time.
func TestMetricsInChunks(t *testing.T) {
	a := &fakeAccount{regions: []string{"us-east-1"}, running: 7}
	r := newRig(t, EngineOptions{ChunkTargets: 3}, map[string]*fakeAccount{"111111111111": a})
	sum, err := r.engine.RunShard(context.Background(), cloudscope.Shard{ScanID: "s", AccountID: "111111111111", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.fetches, []int{3, 3, 1}) || sum.Findings != 2*7 || sum.Resources != 8 { // high and sustained high CPU on each running instance
		t.Errorf("fetches %v (want 3, 3, 1), summary %+v", a.fetches, sum)
	}
	part := r.parts.parts["s"]["111111111111#us-east-1"]
	if !slices.IsSortedFunc(part.Resources, cloudscope.CompareStored) || part.Counts.ByAccount["111111111111"] != 8 {
		t.Errorf("part: %d resources, counts %+v", len(part.Resources), part.Counts)
	}
}

// TestPoolBounds: never more than PerAccount shards of one account, nor
// Concurrency in all; a small account's shards do not wait behind a large
// account's.
func TestPoolBounds(t *testing.T) {
	var shards []cloudscope.Shard
	for i := range 40 {
		shards = append(shards, cloudscope.Shard{AccountID: "big", Region: fmt.Sprintf("r-%02d", i)})
	}
	for _, a := range []string{"small-1", "small-2"} {
		for i := range 3 {
			shards = append(shards, cloudscope.Shard{AccountID: a, Region: fmt.Sprintf("r-%02d", i)})
		}
	}
	e := NewEngine(EngineDeps{}, EngineOptions{Concurrency: 6, PerAccount: 2})
	var mu sync.Mutex
	running := map[string]int{}
	var total, peakTotal int
	peak := map[string]int{}
	var order []string
	e.pool(context.Background(), shards, func(_ context.Context, s cloudscope.Shard) {
		mu.Lock()
		running[s.AccountID]++
		total++
		peak[s.AccountID] = max(peak[s.AccountID], running[s.AccountID])
		peakTotal = max(peakTotal, total)
		order = append(order, s.AccountID)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		running[s.AccountID]--
		total--
		mu.Unlock()
	})
	if len(order) != len(shards) {
		t.Fatalf("ran %d of %d shards", len(order), len(shards))
	}
	for a, p := range peak {
		if p > 2 {
			t.Errorf("account %s: %d shards at once, bound 2", a, p)
		}
	}
	if peakTotal > 6 || peakTotal < 4 {
		t.Errorf("%d shards at once; want at most 6 and the small accounts beside the big one", peakTotal)
	}
	// The small accounts' six shards all start among the first 14 (the
	// big account never has more than 2 at once while they wait).
	lastSmall := 0
	for i, a := range order {
		if a != "big" {
			lastSmall = i
		}
	}
	if lastSmall >= 14 {
		t.Errorf("the last small-account shard started %dth: %v", lastSmall+1, order)
	}
}

// TestPoolRunsTheBucketsBesideTheRegions: an account's buckets' shard
// takes none of the places its regions' shards share, so that a scan of
// PerAccount regions reads them all at once, its buckets beside them.
func TestPoolRunsTheBucketsBesideTheRegions(t *testing.T) {
	shards := []cloudscope.Shard{{AccountID: "a", Region: "us-east-1", Types: []cloudscope.ResourceType{cloudscope.S3}}}
	for i := range 5 {
		shards = append(shards, cloudscope.Shard{AccountID: "a", Region: fmt.Sprintf("r-%02d", i)})
	}
	e := NewEngine(EngineDeps{}, EngineOptions{Concurrency: 8, PerAccount: 3})
	var mu sync.Mutex
	var regions, peakRegions int
	e.pool(context.Background(), shards, func(_ context.Context, s cloudscope.Shard) {
		mu.Lock()
		if !bucketShard(s) {
			regions++
			peakRegions = max(peakRegions, regions)
		}
		mu.Unlock()
		// The buckets' shard outlasts all the regions' (were it one of
		// their places, they would run two at a time throughout).
		pause := 5 * time.Millisecond
		if bucketShard(s) {
			pause = 200 * time.Millisecond
		}
		time.Sleep(pause)
		mu.Lock()
		if !bucketShard(s) {
			regions--
		}
		mu.Unlock()
	})
	if peakRegions != 3 {
		t.Errorf("%d regions' shards at once, want the bound 3 with the buckets' shard beside them", peakRegions)
	}
}

// TestSplitTypes: an account-region split by type groups, S3 its own shard.
func TestSplitTypes(t *testing.T) {
	e := NewEngine(EngineDeps{HomeRegion: "us-east-1"}, EngineOptions{SplitTypes: [][]cloudscope.ResourceType{{cloudscope.EC2, cloudscope.S3}, {cloudscope.RDS}}})
	var keys []string
	for _, s := range e.shardsOf("s", "111111111111", []string{"eu-west-1", "us-east-1"}) {
		keys = append(keys, s.Key())
	}
	want := []string{"111111111111#us-east-1#s3"}
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		for _, typ := range cloudscope.ResourceTypes { // the groups, then each type no group names in a shard of its own
			if typ != cloudscope.S3 {
				want = append(want, "111111111111#"+region+"#"+string(typ))
			}
		}
	}
	if !slices.Equal(keys, want) {
		t.Errorf("shards %v\nwant %v", keys, want)
	}
	plain := NewEngine(EngineDeps{HomeRegion: "us-east-1"}, EngineOptions{})
	if got := plain.shardsOf("s", "1", []string{"eu-west-1"}); len(got) != 2 || got[0].Region != "eu-west-1" || !bucketShard(got[0]) || got[1].Types != nil {
		t.Errorf("without the home region: %+v", got)
	}
}

// TestStatesHoldTheLease: on Step Functions the plan, the shards and the
// finalize run in separate processes: the plan takes the one-scan lease
// (another scan's refuses it), the finalize ends it and says the scan is done.
func TestStatesHoldTheLease(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, EngineOptions{}, map[string]*fakeAccount{"111111111111": {regions: []string{"us-east-1"}}})
	if holder, err := r.parts.AcquireScanLease(ctx, "other", time.Minute); err != nil || holder != "" {
		t.Fatal(holder, err)
	}
	var running *ErrScanRunning
	if _, err := r.engine.Plan(ctx, "sfn-1"); !errors.As(err, &running) || running.ID != "other" {
		t.Fatalf("plan while another scan runs: %v", err)
	}
	_ = r.parts.ReleaseScanLease(ctx, "other")
	shards, err := r.engine.Plan(ctx, "sfn-1")
	if err != nil {
		t.Fatal(err)
	}
	if holder, _ := r.parts.AcquireScanLease(ctx, "other", time.Minute); holder != "sfn-1" {
		t.Fatalf("after the plan the lease is %q's, want sfn-1's", holder)
	}
	if st, _ := r.parts.Status(ctx, "sfn-1"); st == nil || st.State != cloudscope.StateRunning {
		t.Errorf("status after the plan: %+v", st)
	}
	for _, sh := range shards {
		if _, err := r.engine.RunShard(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.engine.Finalize(ctx, "sfn-1"); err != nil {
		t.Fatal(err)
	}
	if holder, _ := r.parts.AcquireScanLease(ctx, "next", time.Minute); holder != "" {
		t.Errorf("after the finalize the lease is still %q's", holder)
	}
	if st, _ := r.parts.Status(ctx, "sfn-1"); st == nil || st.State != cloudscope.StateDone || st.Shards == nil || st.Shards.Left() != 0 {
		t.Errorf("status after the finalize: %+v", st)
	}
}

// TestAFailedPlanFreesTheLease: a plan that fails for good ends the lease
// it took (the state machine stops there, and no finalize would end it).
func TestAFailedPlanFreesTheLease(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, EngineOptions{}, map[string]*fakeAccount{"111111111111": {regions: []string{"us-east-1"}}})
	r.accts.resolveErr = cloudscope.Errorf(cloudscope.CodeAccessDenied, "organizations: access denied")
	if _, err := r.engine.Plan(ctx, "sfn-2"); err == nil {
		t.Fatal("a plan that cannot list the accounts succeeded")
	}
	if holder, _ := r.parts.AcquireScanLease(ctx, "next", time.Minute); holder != "" {
		t.Errorf("after a failed plan the lease is still %q's", holder)
	}
	if st, _ := r.parts.Status(ctx, "sfn-2"); st == nil || st.State != cloudscope.StateFailed {
		t.Errorf("status after a failed plan: %+v", st)
	}
}

// TestShardCountsEachResourceOnce: a shard judges a stopped instance and its
// idle data volume in separate chunks; both price the volume. The part marks
// the volume's saving covered by the instance's, and the finalized
// snapshot counts the volume once.
func TestShardCountsEachResourceOnce(t *testing.T) {
	ctx := context.Background()
	const member = "111111111111"
	r := newRig(t, EngineOptions{ChunkTargets: 1}, map[string]*fakeAccount{member: {regions: []string{"us-east-1"}, running: 1, volumes: true}})
	r.engine.d.Scanner = New(Deps{Store: r.parts, Notifier: r.notes, Now: func() time.Time { return orgNow }, Thresholds: bottleneck.Defaults,
		Prices: pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil))})
	if _, err := r.engine.Scan(ctx, "once-1", nil); err != nil {
		t.Fatal(err)
	}
	snap, err := r.parts.Get(ctx, "once-1")
	if err != nil || snap == nil {
		t.Fatalf("stored snapshot: %v %v", snap, err)
	}
	byRule := map[string]cloudscope.Finding{}
	for _, f := range snap.Findings {
		if f.Savings != nil {
			byRule[f.Rule] = f
		}
	}
	inst, vol := byRule[bottleneck.EC2StoppedBilled], byRule[bottleneck.EBSIdle]
	if inst.Savings == nil || vol.Savings == nil {
		t.Fatalf("findings with savings: %v", byRule)
	}
	if want := "ec2.stopped_volumes_billed/ec2/" + member + "/us-east-1/i-stopped"; inst.ID != want || vol.Savings.CoveredBy != want {
		t.Errorf("the volume's saving covered by %q; the instance's finding is %q, want %q", vol.Savings.CoveredBy, inst.ID, want)
	}
	// 100 GB gp3 x 0.08, counted once.
	if sv := snap.Counts.Savings; sv == nil || sv.Monthly.String() != "8.00" || sv.Priced != 1 || sv.Covered != 1 || sv.ByAccount[member].String() != "8.00" {
		t.Errorf("counts' savings %+v", sv)
	}
}

// TestAShardThatStoredNoPartIsNamed: on Step Functions a shard that fails
// past its retries (within the map's tolerance) stores no part; the
// finalize names its account and region from the plan's list, and the
// scan is partial, not complete.
func TestAShardThatStoredNoPartIsNamed(t *testing.T) {
	ctx := context.Background()
	members := map[string]*fakeAccount{
		mgmt:           {regions: []string{"eu-west-1", "us-east-1"}, running: 1},
		"111111111111": {regions: []string{"eu-west-1", "us-east-1"}, running: 1},
	}
	r := newRig(t, EngineOptions{RetryPause: time.Millisecond}, members)
	shards, err := r.engine.Plan(ctx, "sfn-1")
	if err != nil {
		t.Fatal(err)
	}
	var lost cloudscope.Shard
	for _, sh := range shards {
		if sh.AccountID == "111111111111" && sh.Region == "us-east-1" && len(sh.Types) == 0 {
			lost = sh
			continue
		}
		if _, err := r.engine.RunShard(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	h, err := r.engine.Finalize(ctx, "sfn-1")
	if err != nil {
		t.Fatal(err)
	}
	var named int
	for _, f := range h.Errors {
		switch {
		case f.AccountID == lost.AccountID && f.Region == lost.Region && f.Code == CodeNotRead:
			named++
		case f.Code == accountset.CodeSkipped:
		default:
			t.Errorf("unexpected failure %+v", f)
		}
	}
	if named != 1 || h.Outcome != cloudscope.OutcomePartial {
		t.Errorf("the lost shard named %d times, outcome %s; want once, partial", named, h.Outcome)
	}
}

// TestThePlanInterleavesAccounts: the plan's item order takes the
// accounts in turn, so that the Distributed Map, which starts items in
// order, spreads each account's shards.
func TestThePlanInterleavesAccounts(t *testing.T) {
	members := map[string]*fakeAccount{
		mgmt:           {regions: []string{"eu-west-1", "us-east-1", "us-west-2"}},
		"111111111111": {regions: []string{"eu-west-1", "us-east-1", "us-west-2"}},
		"222222222222": {regions: []string{"eu-west-1"}},
	}
	r := newRig(t, EngineOptions{}, members)
	shards, err := r.engine.Plan(context.Background(), "order-1")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, sh := range shards {
		order = append(order, sh.AccountID[:1])
	}
	// 1 and 9 have 4 shards each (buckets and 3 regions), 2 has 2: its
	// two at a quarter and three quarters of the plan.
	if got := strings.Join(order, ""); got != "1921919219" {
		t.Errorf("plan order by account %s, want each account spread over the plan (1921919219)", got)
	}
}

// TestTheMapBoundOfOneAccount: with the plan's interleaved order and
// shards of equal length, the Distributed Map (items started in order, at
// most M at once) never runs more than ceil(M/accounts) shards of one
// account at once; the accounts one after another run all 18 of an
// account together.
func TestTheMapBoundOfOneAccount(t *testing.T) {
	equal := func(int, cloudscope.Shard) float64 { return 1 }
	for _, c := range []struct{ accounts, m, interleaved, grouped int }{
		{1000, 100, 1, 18}, {1000, 500, 1, 18}, {50, 100, 2, 18}, {10, 100, 10, 18},
	} {
		plan := orgPlan(c.accounts, 17)
		if got, _ := simulateMap(interleave(plan), c.m, equal); got != c.interleaved {
			t.Errorf("%d accounts at %d: interleaved, %d of one account at once; want ceil(M/accounts) = %d", c.accounts, c.m, got, c.interleaved)
		}
		if got, _ := simulateMap(plan, c.m, equal); got != c.grouped {
			t.Errorf("%d accounts at %d: grouped, %d of one account at once; want all %d", c.accounts, c.m, got, c.grouped)
		}
	}
}

// TestThePlansConcurrencyBoundsEachAccount: at the concurrency the plan
// answers (MapConcurrency: min(M, accounts x 4) for accounts of as many
// shards) and shards of equal length, no account runs more than 4 at
// once, a small organization too; without it, 10 accounts at 100 run 10
// of each.
func TestThePlansConcurrencyBoundsEachAccount(t *testing.T) {
	equal := func(int, cloudscope.Shard) float64 { return 1 }
	for _, c := range []struct{ accounts, m, want int }{
		{1, 100, 4}, {3, 100, 4}, {10, 100, 4}, {10, 500, 4}, {25, 100, 4}, {100, 500, 4}, {1000, 100, 1}, {1000, 500, 1},
	} {
		items := interleave(orgPlan(c.accounts, 17))
		got, _ := simulateMap(items, MapConcurrency(items, c.m, 4), equal)
		if got != c.want {
			t.Errorf("%d accounts at %d, 4 per account: %d of one account at once, want %d", c.accounts, c.m, got, c.want)
		}
	}
	if got := MapConcurrency(nil, 100, 4); got != 1 {
		t.Errorf("no shards: concurrency %d, want 1 (0 is no limit on the map)", got)
	}
	// An account with more shards than the rest (one of 18 among nine of
	// 4) has them spread over the plan, and the concurrency is lower (11;
	// 4 x 54 / 18 = 12 with the account's every third item): still no
	// more than 4 at once.
	plan := orgPlan(1, 17)
	for a := range 9 {
		plan = append(plan, orgPlan(1, 3)...)
		for i := len(plan) - 4; i < len(plan); i++ {
			plan[i].AccountID = fmt.Sprintf("%012d", a+2)
		}
	}
	items := interleave(plan)
	got, _ := simulateMap(items, MapConcurrency(items, 100, 4), equal)
	t.Logf("one account of 18 shards among nine of 4, at %d: %d of it at once", MapConcurrency(items, 100, 4), got)
	if got > 4 || MapConcurrency(items, 100, 4) != 11 {
		t.Errorf("uneven accounts: %d at once at %d, want at most 4 at 11", got, MapConcurrency(items, 100, 4))
	}
}
