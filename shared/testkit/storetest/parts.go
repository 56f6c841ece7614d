package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// PartStore keeps the parts of a sharded scan until it is finalized: the
// contract package scan declares (the consumer's), repeated here so the
// stores' tests build against it without importing a capability package.
type PartStore interface {
	SavePart(ctx context.Context, p *cloudscope.ShardPart) error
	PartSummaries(ctx context.Context, scanID string, fn func(cloudscope.ShardPart) error) error
	FinalizeParts(ctx context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error
	SetShardTotal(ctx context.Context, scanID string, total int) error
	ShardDone(ctx context.Context, scanID string, failed bool) error
}

// PartsStore is a store that keeps shard parts and answers inventory reads.
type PartsStore interface {
	InventoryStore
	PartStore
}

// Part is shard's part of a synthetic organization's scan: n resources of
// its account (in its region, or for a part of types only, in every region,
// as an account's S3 buckets are listed once), with a finding and an
// undecided rule per ten resources. tag marks an attempt.
func Part(shard cloudscope.Shard, finished time.Time, n int, tag string) *cloudscope.ShardPart {
	regions := []string{"ap-southeast-2", "eu-west-1", "us-east-1"}
	states := []string{"running", "stopped", "available"}
	types := shard.Types
	if len(types) == 0 {
		types = []cloudscope.ResourceType{cloudscope.EC2, cloudscope.RDS, cloudscope.Lambda}
	}
	p := &cloudscope.ShardPart{Shard: shard, StartedAt: finished.Add(-time.Minute), FinishedAt: finished,
		Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}, Errors: []cloudscope.Failure{},
		Calls: map[string]int{"ec2:DescribeInstances": 1 + n/100}, Listed: len(types)}
	for i := range n {
		region := shard.Region
		if len(shard.Types) > 0 {
			region = regions[i%len(regions)]
		}
		created := finished.Add(-time.Duration(i%97) * time.Hour)
		r := cloudscope.Resource{AccountID: shard.AccountID, Type: types[i%len(types)], ID: fmt.Sprintf("%s-%s-%05d", tag, shard.AccountID[:3], i),
			Name: fmt.Sprintf("Name %03d", (i*31)%1000), Region: region, State: states[i%len(states)], CreatedAt: &created}
		if i%5 == 0 {
			r.Tags = map[string]string{"team": []string{"payments", "search"}[i%2], "env": "prod"}
		}
		p.Resources = append(p.Resources, r)
		if i%10 == 0 {
			p.Findings = append(p.Findings, cloudscope.Finding{ID: "ec2.high_cpu/" + r.ID, AccountID: r.AccountID, Rule: "ec2.high_cpu", Severity: cloudscope.Warning,
				ResourceType: r.Type, ResourceID: r.ID, Region: r.Region, Observed: map[string]float64{"max_percent": 91}, Evidence: []cloudscope.Point{}})
			p.Insufficient = append(p.Insufficient, cloudscope.Insufficient{AccountID: r.AccountID, Rule: "ec2.underutilised", ResourceType: r.Type, ResourceID: r.ID, Region: r.Region, HoursOfData: 3, HoursNeeded: 30})
		}
	}
	slices.SortFunc(p.Resources, cloudscope.CompareStored)
	p.Counts.CountResources(p.Resources)
	p.Counts.Findings = len(p.Findings)
	return p
}

// RunParts is the contract of a sharded scan's storage: parts saved (and
// retried) concurrently, their summaries, the finalized snapshot read like
// any other (and beside one stored before accounts), the shard counters.
func RunParts(t *testing.T, newStore func(t *testing.T, clock *Clock) PartsStore) {
	t.Run("PartsFinalizeIntoASnapshotReadLikeAnyOther", func(t *testing.T) { parts(t, newStore) })
	t.Run("ShardCountersAreAtomic", func(t *testing.T) { shardCounters(t, newStore) })
	t.Run("AFailedShardedScanIsKeptButNeverTheLatest", func(t *testing.T) { failedParts(t, newStore) })
}

var (
	accountA, accountB, accountC = "111111111111", "222222222222", "333333333333"
)

func shards(scanID string) []cloudscope.Shard {
	var out []cloudscope.Shard
	for _, a := range []string{accountA, accountB, accountC} {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			out = append(out, cloudscope.Shard{ScanID: scanID, AccountID: a, Region: r})
		}
		// The account's global listing (its buckets, in every region).
		out = append(out, cloudscope.Shard{ScanID: scanID, AccountID: a, Region: "us-east-1", Types: []cloudscope.ResourceType{cloudscope.S3}})
	}
	return out
}

func parts(t *testing.T, newStore func(*testing.T, *Clock) PartsStore) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	// A snapshot stored before, whose resources carry no account.
	old := Inventory("old", clock.Now().Add(-24*time.Hour), 40)
	if err := st.Save(ctx, old); err != nil {
		t.Fatal(err)
	}
	const id = "org-1"
	plan := shards(id)
	// Every shard at once; one big, one empty; then two retried with other
	// contents (fewer and more resources), which must replace them wholly.
	sizes := map[string]int{}
	for i, s := range plan {
		sizes[s.Key()] = []int{130, 0, 1200, 60, 75, 20, 310, 90, 45}[i]
	}
	var wg sync.WaitGroup
	for _, s := range plan {
		wg.Go(func() {
			if err := st.SavePart(ctx, Part(s, clock.Now(), sizes[s.Key()], "first")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	want := map[string]*cloudscope.ShardPart{}
	for _, s := range plan {
		want[s.Key()] = Part(s, clock.Now(), sizes[s.Key()], "first")
	}
	for _, retry := range []struct {
		shard cloudscope.Shard
		n     int
	}{{plan[2], 700}, {plan[6], 12}} {
		p := Part(retry.shard, clock.Now().Add(time.Second), retry.n, "retry")
		if err := st.SavePart(ctx, p); err != nil {
			t.Fatal(err)
		}
		want[retry.shard.Key()] = p
	}
	if err := st.SavePart(ctx, &cloudscope.ShardPart{Shard: cloudscope.Shard{ScanID: id, AccountID: accountA, Region: "us-east-1"},
		Resources: []cloudscope.Resource{{AccountID: accountB, Type: cloudscope.EC2, ID: "i-x", Region: "us-east-1"}}}); err == nil {
		t.Error("a part holding another account's resource was stored")
	}
	if err := st.SavePart(ctx, &cloudscope.ShardPart{Shard: cloudscope.Shard{ScanID: "../x", AccountID: accountA, Region: "us-east-1"}}); err == nil {
		t.Error("a part of a malformed scan id was stored")
	}

	// The summaries: every part once, in key order, without resources.
	var keys []string
	var all []cloudscope.Resource
	var findings []cloudscope.Finding
	var undecided []cloudscope.Insufficient
	err := st.PartSummaries(ctx, id, func(p cloudscope.ShardPart) error {
		keys = append(keys, p.Shard.Key())
		w := want[p.Shard.Key()]
		if w == nil {
			return fmt.Errorf("a summary of shard %s, never saved", p.Shard.Key())
		}
		if len(p.Resources) != 0 || len(p.Findings) != len(w.Findings) || len(p.Insufficient) != len(w.Insufficient) ||
			p.Counts.Resources != len(w.Resources) || !p.FinishedAt.Equal(w.FinishedAt) || p.Calls["ec2:DescribeInstances"] != w.Calls["ec2:DescribeInstances"] {
			return fmt.Errorf("shard %s's summary: %d resources, %d findings, %d undecided, counts %d, finished %s; want 0, %d, %d, %d, %s",
				p.Shard.Key(), len(p.Resources), len(p.Findings), len(p.Insufficient), p.Counts.Resources, p.FinishedAt, len(w.Findings), len(w.Insufficient), len(w.Resources), w.FinishedAt)
		}
		if len(w.Findings) > 0 && p.Findings[0].ID != w.Findings[0].ID {
			return fmt.Errorf("shard %s's first finding is %s, want %s (another attempt's)", p.Shard.Key(), p.Findings[0].ID, w.Findings[0].ID)
		}
		all = append(all, w.Resources...)
		findings = append(findings, p.Findings...)
		undecided = append(undecided, p.Insufficient...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := slices.Sorted(func(yield func(string) bool) {
		for k := range want {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("summaries of %v, want %v", keys, wantKeys)
	}
	stop := errors.New("stop")
	if err := st.PartSummaries(ctx, id, func(cloudscope.ShardPart) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("a callback's error is not returned: %v", err)
	}
	if err := st.PartSummaries(ctx, "nothing-here", func(p cloudscope.ShardPart) error { return fmt.Errorf("a part of an unknown scan: %s", p.Shard.Key()) }); err != nil {
		t.Error(err)
	}
	// Not finalized: not a snapshot yet.
	if h, err := st.Header(ctx, id); h != nil || err != nil {
		t.Errorf("before FinalizeParts the header is %+v %v", h, err)
	}

	h := cloudscope.SnapshotHeader{ID: id, StartedAt: clock.Now().Add(-time.Minute), FinishedAt: clock.Now().Add(time.Minute),
		Regions: []string{"ap-southeast-2", "eu-west-1", "us-east-1"}, Errors: []cloudscope.Failure{}, Calls: map[string]int{"organizations:ListAccounts": 1},
		Notification: cloudscope.NotifyPending, Notify: []string{findings[0].ID}, Outcome: cloudscope.OutcomeComplete}
	h.Counts.CountResources(all)
	h.Counts.Findings = len(findings)
	if err := st.FinalizeParts(ctx, h, findings, undecided); err != nil {
		t.Fatal(err)
	}
	if err := st.FinalizeParts(ctx, h, findings, undecided); !errors.Is(err, cloudscope.ErrSnapshotExists) {
		t.Errorf("finalizing a stored id again: %v", err)
	}
	slices.SortFunc(all, cloudscope.CompareStored)
	// A shard retried late, after the finalize, changes nothing stored
	// (refused, or kept apart from the snapshot).
	_ = st.SavePart(ctx, Part(plan[0], clock.Now().Add(time.Hour), 3, "late"))

	// Whole: Get and Latest.
	for name, get := range map[string]func() (*cloudscope.Snapshot, error){
		"Get": func() (*cloudscope.Snapshot, error) { return st.Get(ctx, id) }, "Latest": func() (*cloudscope.Snapshot, error) { return st.Latest(ctx) }} {
		s, err := get()
		if err != nil || s == nil {
			t.Fatalf("%s: %v %v", name, s, err)
		}
		if s.ID != id || len(s.Resources) != len(all) || len(s.Findings) != len(findings) || len(s.Insufficient) != len(undecided) || s.Counts.Resources != len(all) {
			t.Errorf("%s: %s with %d resources, %d findings, %d undecided; want %d, %d, %d", name, s.ID, len(s.Resources), len(s.Findings), len(s.Insufficient), len(all), len(findings), len(undecided))
		}
		got := slices.Clone(s.Resources)
		slices.SortFunc(got, cloudscope.CompareStored)
		for i := range min(len(got), len(all)) {
			if got[i].ID != all[i].ID || got[i].AccountID != all[i].AccountID || got[i].Region != all[i].Region {
				t.Fatalf("%s: resource %d is %s/%s/%s, want %s/%s/%s", name, i, got[i].AccountID, got[i].Region, got[i].ID, all[i].AccountID, all[i].Region, all[i].ID)
			}
		}
	}
	// Findings apart from resources, as for any snapshot.
	for name, read := range map[string]func() (*cloudscope.Snapshot, error){
		"Findings": func() (*cloudscope.Snapshot, error) { return st.Findings(ctx, id) }, "LatestFindings": func() (*cloudscope.Snapshot, error) { return st.LatestFindings(ctx) }} {
		s, err := read()
		if err != nil || s == nil {
			t.Fatalf("%s: %v %v", name, s, err)
		}
		if s.ID != id || s.Resources != nil || len(s.Findings) != len(findings) || len(s.Insufficient) != len(undecided) || s.Counts.Resources != len(all) {
			t.Errorf("%s: %s with %d resources, %d findings, %d undecided; want none, %d, %d", name, s.ID, len(s.Resources), len(s.Findings), len(s.Insufficient), len(findings), len(undecided))
		}
	}
	// Headers, history and notification like any other snapshot.
	if lh, err := st.LatestHeader(ctx); err != nil || lh == nil || lh.ID != id || lh.Counts.ByAccount[accountB] != h.Counts.ByAccount[accountB] {
		t.Errorf("latest header %+v %v", lh, err)
	}
	if hh, err := st.Header(ctx, id); err != nil || hh == nil || hh.Counts.Resources != len(all) {
		t.Errorf("header %+v %v", hh, err)
	}
	if hs, err := st.List(ctx, 5); err != nil || len(hs) != 2 || hs[0].ID != id || hs[1].ID != "old" {
		t.Errorf("the history lists %+v %v", hs, err)
	}
	if b, err := st.Before(ctx, id); err != nil || b == nil || b.ID != "old" {
		t.Errorf("before the sharded scan: %+v %v", b, err)
	}
	if err := st.SetNotification(ctx, id, cloudscope.NotifyPending, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	if hs, _ := st.List(ctx, 1); len(hs) != 1 || hs[0].Notification != cloudscope.NotifySent {
		t.Errorf("after SetNotification the list says %+v", hs)
	}
	// Stored reads over every part, in the stored order, by region and type.
	var streamed []cloudscope.Resource
	if err := st.ResourceChunks(ctx, id, nil, func(rs []cloudscope.Resource) error { streamed = append(streamed, rs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(streamed) != len(all) {
		t.Fatalf("ResourceChunks gave %d resources, want %d", len(streamed), len(all))
	}
	for i := range all {
		if streamed[i].ID != all[i].ID || streamed[i].AccountID != all[i].AccountID {
			t.Fatalf("ResourceChunks: resource %d is %s/%s, want %s/%s (the stored order)", i, streamed[i].AccountID, streamed[i].ID, all[i].AccountID, all[i].ID)
		}
	}
	CheckPages(t, st, id, all, nil)
	// The snapshot stored before still reads, whole and by page.
	if s, err := st.Get(ctx, "old"); err != nil || s == nil || len(s.Resources) != 40 {
		t.Errorf("the snapshot stored before accounts: %v %v", s, err)
	}
	var before []cloudscope.Resource
	if err := st.ResourceChunks(ctx, "old", []string{"eu-west-1"}, func(rs []cloudscope.Resource) error { before = append(before, rs...); return nil }); err != nil || len(before) == 0 {
		t.Errorf("the snapshot stored before accounts, by region: %d resources, %v", len(before), err)
	}
	for i := 1; i < len(before); i++ {
		if before[i].Region != "eu-west-1" || cloudscope.CompareStored(before[i-1], before[i]) >= 0 {
			t.Fatalf("the snapshot stored before accounts reads out of order at %d", i)
		}
	}
}

func shardCounters(t *testing.T, newStore func(*testing.T, *Clock) PartsStore) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	if err := st.SetStatus(ctx, cloudscope.ScanStatus{ID: "org-2", State: cloudscope.StateRunning, Step: "shards", StartedAt: clock.Now(), UpdatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetShardTotal(ctx, "org-2", 40); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if err := st.ShardDone(ctx, "org-2", i%5 == 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := st.Status(ctx, "org-2")
	if err != nil || got == nil || got.Shards == nil {
		t.Fatalf("status %+v %v", got, err)
	}
	if *got.Shards != (cloudscope.ShardProgress{Total: 40, Done: 24, Failed: 6}) || got.Shards.Left() != 10 || got.Step != "shards" {
		t.Errorf("shards %+v (step %q); want 40 in all, 24 done, 6 failed, 10 left", *got.Shards, got.Step)
	}
	// The scan's own status updates leave the counters alone.
	if err := st.SetStatus(ctx, cloudscope.ScanStatus{ID: "org-2", State: cloudscope.StateRunning, Step: "finalize", StartedAt: clock.Now(), UpdatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Status(ctx, "org-2"); got == nil || got.Shards == nil || got.Shards.Done != 24 || got.Step != "finalize" {
		t.Errorf("after SetStatus: %+v", got)
	}
	if got, _ := st.Status(ctx, "one-process"); got != nil {
		t.Errorf("an unknown scan's status: %+v", got)
	}
	if err := st.SetStatus(ctx, cloudscope.ScanStatus{ID: "one-process", State: cloudscope.StateRunning, StartedAt: clock.Now(), UpdatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Status(ctx, "one-process"); got == nil || got.Shards != nil {
		t.Errorf("a one-process scan has shards: %+v", got)
	}
}

func failedParts(t *testing.T, newStore func(*testing.T, *Clock) PartsStore) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	good := Inventory("good", clock.Now(), 10)
	if err := st.Save(ctx, good); err != nil {
		t.Fatal(err)
	}
	s := cloudscope.Shard{ScanID: "org-bad", AccountID: accountA, Region: "us-east-1"}
	if err := st.SavePart(ctx, Part(s, clock.Now(), 5, "first")); err != nil {
		t.Fatal(err)
	}
	h := cloudscope.SnapshotHeader{ID: "org-bad", StartedAt: clock.Now(), FinishedAt: clock.Now().Add(time.Hour), Regions: []string{"us-east-1"},
		Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyNone, Outcome: cloudscope.OutcomeFailed, FailedStep: "metrics"}
	if err := st.FinalizeParts(ctx, h, nil, nil); err != nil {
		t.Fatal(err)
	}
	if l, err := st.LatestHeader(ctx); err != nil || l == nil || l.ID != "good" {
		t.Errorf("latest is %+v %v; want the good scan", l, err)
	}
	if got, err := st.Get(ctx, "org-bad"); err != nil || got == nil || !got.Failed() || len(got.Resources) != 5 {
		t.Errorf("the failed sharded scan is not kept for inspection: %+v %v", got, err)
	}
	// A retried finalize may replace it.
	h.Outcome, h.FailedStep = cloudscope.OutcomeComplete, ""
	if err := st.FinalizeParts(ctx, h, []cloudscope.Finding{}, []cloudscope.Insufficient{}); err != nil {
		t.Fatalf("a retry could not replace a failed sharded scan: %v", err)
	}
	if l, _ := st.Latest(ctx); l == nil || l.ID != "org-bad" || len(l.Resources) != 5 {
		t.Errorf("after the retry, latest is %+v", l)
	}
}
