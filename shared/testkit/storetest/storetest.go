// Package storetest is the contract every snapshot store (scan.Store) must
// keep, run against each implementation: the in-memory store, the local
// file store and the DynamoDB store alike.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// Clock is a settable clock for the store under test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at a fixed time.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Run runs the contract: newStore returns an empty store reading clock.
func Run(t *testing.T, newStore func(t *testing.T, clock *Clock) scan.Store) {
	t.Run("OneScanHoldsTheLease", func(t *testing.T) { lease(t, newStore) })
	t.Run("NotificationMovesOnlyFromTheExpectedState", func(t *testing.T) { notification(t, newStore) })
	t.Run("AFailedScanIsKeptButNeverTheLatest", func(t *testing.T) { failed(t, newStore) })
	t.Run("FindingsAreReadApartFromResources", func(t *testing.T) { findingsOnly(t, newStore) })
}

// findingsOnly: Findings and LatestFindings answer a snapshot's header,
// findings and undecided rules as Get does, without its resources.
func findingsOnly(t *testing.T, newStore func(*testing.T, *Clock) scan.Store) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	if f, err := st.LatestFindings(ctx); f != nil || err != nil {
		t.Errorf("an empty store's latest findings: %+v %v", f, err)
	}
	if f, err := st.Findings(ctx, "nowhere"); f != nil || err != nil {
		t.Errorf("an unknown snapshot's findings: %+v %v", f, err)
	}
	s := snapshot("s1", clock.Now(), cloudscope.OutcomeComplete)
	for i := range 1200 { // more than one chunk of each kind in every store
		id := fmt.Sprintf("i-%017x", i)
		s.Resources = append(s.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: id, Region: "us-east-1"})
		s.Findings = append(s.Findings, cloudscope.Finding{ID: "ec2.cpu_high:" + id, Rule: "ec2.cpu_high", Severity: cloudscope.Warning,
			ResourceType: cloudscope.EC2, ResourceID: id, Region: "us-east-1", Observed: map[string]float64{"cpu_p95": 91}})
		s.Insufficient = append(s.Insufficient, cloudscope.Insufficient{Rule: "ec2.underutilised", ResourceType: cloudscope.EC2, ResourceID: id,
			Region: "us-east-1", HoursOfData: 3, HoursNeeded: 30})
	}
	s.Counts.CountResources(s.Resources)
	if err := st.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	bad := snapshot("bad", clock.Now().Add(time.Hour), cloudscope.OutcomeFailed)
	bad.Findings = s.Findings[:1]
	if err := st.Save(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if err := st.SetNotification(ctx, "s1", cloudscope.NotifyPending, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	whole, err := st.Get(ctx, "s1")
	if err != nil || whole == nil {
		t.Fatalf("get: %v %v", whole, err)
	}
	for name, read := range map[string]func() (*cloudscope.Snapshot, error){
		"Findings": func() (*cloudscope.Snapshot, error) { return st.Findings(ctx, "s1") }, "LatestFindings": func() (*cloudscope.Snapshot, error) { return st.LatestFindings(ctx) }} {
		got, err := read()
		if err != nil || got == nil {
			t.Fatalf("%s: %v %v", name, got, err)
		}
		if got.ID != "s1" || got.Notification != cloudscope.NotifySent || got.Counts.Resources != 1201 || len(got.Notify) != 1 {
			t.Errorf("%s: header %+v; want s1's, notification sent, 1,201 resources counted", name, got.SnapshotHeader)
		}
		if got.Resources != nil {
			t.Errorf("%s: %d resources read; want none", name, len(got.Resources))
		}
		if len(got.Findings) != len(whole.Findings) || len(got.Insufficient) != len(whole.Insufficient) || len(got.Findings) != 1200 {
			t.Fatalf("%s: %d findings and %d undecided; want %d and %d", name, len(got.Findings), len(got.Insufficient), len(whole.Findings), len(whole.Insufficient))
		}
		for i := range got.Findings {
			if got.Findings[i].ID != whole.Findings[i].ID || got.Findings[i].Observed["cpu_p95"] != 91 || got.Insufficient[i].ResourceID != whole.Insufficient[i].ResourceID {
				t.Fatalf("%s: record %d is %s/%s, want %s/%s", name, i, got.Findings[i].ID, got.Insufficient[i].ResourceID, whole.Findings[i].ID, whole.Insufficient[i].ResourceID)
			}
		}
	}
	// A failed scan is read by id, never as the latest.
	if got, err := st.Findings(ctx, "bad"); err != nil || got == nil || !got.Failed() || len(got.Findings) != 1 {
		t.Errorf("the failed scan's findings: %+v %v", got, err)
	}
}

func snapshot(id string, finished time.Time, outcome string) *cloudscope.Snapshot {
	return &cloudscope.Snapshot{
		SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: finished.Add(-time.Minute), FinishedAt: finished, Regions: []string{"us-east-1"},
			Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyPending, Notify: []string{"f1"}, Outcome: outcome},
		Resources: []cloudscope.Resource{{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", Region: "us-east-1"}},
		Findings:  []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{},
	}
}

func lease(t *testing.T, newStore func(*testing.T, *Clock) scan.Store) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	// Many asking at once: exactly one gets it, the others are told its id.
	const n = 8
	holders := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			h, err := st.AcquireScanLease(ctx, fmt.Sprintf("scan-%d", i), time.Minute)
			if err != nil {
				t.Error(err)
			}
			holders[i] = h
		})
	}
	wg.Wait()
	winner := ""
	for i, h := range holders {
		if h == "" {
			if winner != "" {
				t.Fatalf("two scans hold the lease: %s and scan-%d", winner, i)
			}
			winner = fmt.Sprintf("scan-%d", i)
		}
	}
	if winner == "" {
		t.Fatalf("nobody got the lease: %v", holders)
	}
	for i, h := range holders {
		if h != "" && h != winner {
			t.Errorf("scan-%d was told %q holds the lease, not %q", i, h, winner)
		}
	}
	if h, err := st.AcquireScanLease(ctx, winner, time.Minute); h != "" || err != nil {
		t.Errorf("the holder could not renew its lease: %q %v", h, err)
	}
	if err := st.ReleaseScanLease(ctx, "someone-else"); err != nil {
		t.Errorf("releasing a lease one does not hold: %v", err)
	}
	if h, _ := st.AcquireScanLease(ctx, "late", time.Minute); h != winner {
		t.Errorf("a release by a non-holder freed the lease: %q", h)
	}
	if err := st.ReleaseScanLease(ctx, winner); err != nil {
		t.Fatal(err)
	}
	if h, err := st.AcquireScanLease(ctx, "next", time.Minute); h != "" || err != nil {
		t.Errorf("after release: %q %v", h, err)
	}
	// A holder that died: its lease expires.
	clock.Advance(2 * time.Minute)
	if h, err := st.AcquireScanLease(ctx, "after-expiry", time.Minute); h != "" || err != nil {
		t.Errorf("an expired lease was not taken over: %q %v", h, err)
	}
}

func notification(t *testing.T, newStore func(*testing.T, *Clock) scan.Store) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	if err := st.Save(ctx, snapshot("s1", clock.Now(), cloudscope.OutcomeComplete)); err != nil {
		t.Fatal(err)
	}
	// Two deliveries claim the pending notification at once: one wins.
	var wins, lost int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			err := st.SetNotification(ctx, "s1", cloudscope.NotifyPending, cloudscope.NotifySending)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, cloudscope.ErrStateChanged):
				lost++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || lost != 3 {
		t.Errorf("claims: %d won, %d lost; want 1 and 3", wins, lost)
	}
	if err := st.SetNotification(ctx, "s1", cloudscope.NotifyPending, cloudscope.NotifySent); !errors.Is(err, cloudscope.ErrStateChanged) {
		t.Errorf("moving from a state it is not in: %v", err)
	}
	if err := st.SetNotification(ctx, "s1", cloudscope.NotifySending, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, "s1")
	if err != nil || got == nil || got.Notification != cloudscope.NotifySent {
		t.Errorf("read back %+v %v", got, err)
	}
	hs, err := st.List(ctx, 5)
	if err != nil || len(hs) != 1 || hs[0].Notification != cloudscope.NotifySent {
		t.Errorf("the list says %+v %v", hs, err)
	}
}

func failed(t *testing.T, newStore func(*testing.T, *Clock) scan.Store) {
	clock := NewClock()
	st := newStore(t, clock)
	ctx := context.Background()
	good := snapshot("good", clock.Now(), cloudscope.OutcomePartial)
	if err := st.Save(ctx, good); err != nil {
		t.Fatal(err)
	}
	bad := snapshot("bad", clock.Now().Add(time.Hour), cloudscope.OutcomeFailed)
	bad.FailedStep = "metrics"
	if err := st.Save(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if latest, err := st.Latest(ctx); err != nil || latest == nil || latest.ID != "good" {
		t.Errorf("latest is %v %v; want the good scan, not the newer failed one", latest, err)
	}
	if hs, err := st.List(ctx, 5); err != nil || len(hs) != 1 || hs[0].ID != "good" {
		t.Errorf("the history lists %+v %v; want only the good scan", hs, err)
	}
	if got, err := st.Get(ctx, "bad"); err != nil || got == nil || !got.Failed() || got.FailedStep != "metrics" {
		t.Errorf("the failed scan is not kept for inspection: %+v %v", got, err)
	}
	// A retried delivery of the failed scan may replace it; a good one may not be.
	retried := snapshot("bad", clock.Now().Add(2*time.Hour), cloudscope.OutcomeComplete)
	if err := st.Save(ctx, retried); err != nil {
		t.Fatalf("a retry could not replace a failed scan: %v", err)
	}
	if latest, _ := st.Latest(ctx); latest == nil || latest.ID != "bad" || latest.Failed() {
		t.Errorf("after the retry, latest is %+v", latest)
	}
	if err := st.Save(ctx, snapshot("good", clock.Now(), cloudscope.OutcomeComplete)); !errors.Is(err, cloudscope.ErrSnapshotExists) {
		t.Errorf("saving a stored id again: %v", err)
	}
}
