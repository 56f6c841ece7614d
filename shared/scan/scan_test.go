package scan

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

var now = time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC)

// account is a fake account: resources, and a CPU level per instance.
type account struct {
	resources []cloudscope.Resource
	cpu       map[string]float64
	costCalls int
}

// Regions are the account's enabled regions: us-east-1 and those of its
// resources.
func (a *account) Regions(context.Context) ([]cloudscope.Region, error) {
	var out []cloudscope.Region
	for _, name := range a.regionNames() {
		out = append(out, cloudscope.Region{Name: name, OptInStatus: "opt-in-not-required"})
	}
	return out, nil
}

func (a *account) regionNames() []string {
	names := []string{"us-east-1"}
	for _, r := range a.resources {
		if !slices.Contains(names, r.Region) {
			names = append(names, r.Region)
		}
	}
	slices.Sort(names)
	return names
}

// Discover lists the resources of the query's regions and types (none
// named: every one), as discovery does.
func (a *account) Discover(_ context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	regions := q.Regions
	if len(regions) == 0 {
		regions = a.regionNames()
	}
	var rs []cloudscope.Resource
	for _, r := range a.resources {
		if slices.Contains(regions, r.Region) && (len(q.Types) == 0 || slices.Contains(q.Types, r.Type)) {
			rs = append(rs, r)
		}
	}
	return &resourcequery.Inventory{Regions: regions, Resources: rs, Errors: []cloudscope.Failure{}, Calls: 4}, nil
}

// regional reports whether q lists a region's own resources (not only
// the account's buckets, whose list is global).
func regional(q resourcequery.Query) bool {
	return len(q.Types) == 0 || slices.ContainsFunc(q.Types, func(t cloudscope.ResourceType) bool { return t != cloudscope.S3 })
}

func (a *account) Fetch(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
	res := &metricquery.Result{Region: r.Region, Window: r.Window, Calls: 1}
	for _, t := range r.Targets {
		var pts []cloudscope.Point
		for ts := r.Window.Start; ts.Before(r.Window.End); ts = ts.Add(time.Hour) {
			pts = append(pts, cloudscope.Point{T: cloudscope.At(ts), V: a.cpu[t.ID]})
		}
		res.Resources = append(res.Resources, cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, HasData: true, Metrics: []cloudscope.MetricSeries{
			{Name: "CPUUtilization", Period: 3600, Stats: map[string][]cloudscope.Point{"Average": pts, "Maximum": pts}}}})
	}
	return res, nil
}

func (a *account) Report(_ context.Context, q costquery.Query) (*costquery.Report, error) {
	a.costCalls++
	total, _ := cloudscope.ParseAmount("123.45")
	return &costquery.Report{Query: q, Currency: "USD", Total: total, Groups: []cloudscope.GroupTotal{{Key: "Amazon EC2", Amount: total, Share: 1}},
		Fetched: costquery.Fetched{Requests: 1}}, nil
}

type notifier struct {
	mu   sync.Mutex
	sent []cloudscope.Message
	fail error
}

func (n *notifier) Publish(_ context.Context, m cloudscope.Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.sent = append(n.sent, m)
	return nil
}

func instance(id string) cloudscope.Resource {
	return cloudscope.Resource{Type: cloudscope.EC2, ID: id, Region: "us-east-1", State: "running", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}
}

// ticking is a clock a minute later at each reading, safe for the
// scan's concurrent steps (Cost Explorer beside discovery).
func ticking(start time.Time) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		start = start.Add(time.Minute)
		return start
	}
}

func setup() (*account, *notifier, *memstore.Store, *Scanner) {
	acct := &account{resources: []cloudscope.Resource{instance("i-hot"), instance("i-ok")}, cpu: map[string]float64{"i-hot": 95, "i-ok": 40}}
	n := &notifier{}
	store := memstore.New()
	clock := now
	s := New(Deps{Discovery: acct, Metrics: acct, Costs: acct, Store: store, Notifier: n, Thresholds: bottleneck.Defaults,
		Now: ticking(clock)})
	return acct, n, store, s
}

func TestScanNotifiesOnlyWhatIsNew(t *testing.T) {
	acct, n, store, s := setup()
	ctx := context.Background()
	r, err := s.Run(ctx, "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := r.Snapshot
	if snap.Counts.Resources != 2 || snap.Counts.Findings != 2 || snap.Notification != cloudscope.NotifySent || snap.Costs == nil || snap.Costs.Total.String() != "123.45" {
		t.Fatalf("first scan: %+v", snap.SnapshotHeader)
	}
	if len(n.sent) != 1 || n.sent[0].Attributes["highest_severity"] != "critical" || n.sent[0].Attributes["new_findings"] != "2" ||
		!strings.Contains(n.sent[0].Bodies["email"], "i-hot") || !strings.Contains(n.sent[0].Bodies["default"], `"schema":"cloudscope.findings/v1"`) {
		t.Fatalf("messages %+v", n.sent)
	}
	if acct.costCalls != 1 {
		t.Errorf("%d cost reports for one scan, want 1", acct.costCalls)
	}
	// Nothing changed: no message.
	if _, err := s.Run(ctx, "scan-2", nil); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 1 {
		t.Errorf("an unchanged re-scan sent a message")
	}
	// The same scan id again (a retried event): no second snapshot, no second message.
	r, err = s.Run(ctx, "scan-2", nil)
	if err != nil || !r.Duplicate || len(n.sent) != 1 {
		t.Errorf("duplicate: %v %v, %d messages", r.Duplicate, err, len(n.sent))
	}
	if hs, _ := store.List(ctx, 10); len(hs) != 2 || hs[0].ID != "scan-2" {
		t.Errorf("snapshots %+v", hs)
	}
	// A new hot instance: one message about it alone.
	acct.resources = append(acct.resources, instance("i-new"))
	acct.cpu["i-new"] = 99
	if _, err := s.Run(ctx, "scan-3", nil); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 2 || n.sent[1].Attributes["new_findings"] != "2" || !strings.Contains(n.sent[1].Bodies["email"], "i-new") || strings.Contains(n.sent[1].Bodies["email"], "i-hot") {
		t.Errorf("second message: %+v", n.sent[1:])
	}
}

func TestFailedPublishIsDeliveredNextTime(t *testing.T) {
	_, n, store, s := setup()
	ctx := context.Background()
	n.fail = errors.New("sns is down")
	r, err := s.Run(ctx, "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Snapshot.Notification != cloudscope.NotifyPending || len(n.sent) != 0 {
		t.Fatalf("after a failed publish: %s", r.Snapshot.Notification)
	}
	if stored, _ := store.Get(ctx, "scan-1"); stored.Notification != cloudscope.NotifyPending || len(stored.Notify) != 2 {
		t.Fatalf("stored: %+v", stored.SnapshotHeader)
	}
	n.fail = nil
	if _, err := s.Run(ctx, "scan-2", nil); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 1 || n.sent[0].Attributes["new_findings"] != "2" {
		t.Errorf("the pending findings were not delivered: %+v", n.sent)
	}
	if first, _ := store.Get(ctx, "scan-1"); first.Notification != cloudscope.NotifySent {
		t.Errorf("the first snapshot still says %s", first.Notification)
	}
}

func TestCompare(t *testing.T) {
	f := func(id string, sev cloudscope.Severity) cloudscope.Finding {
		return cloudscope.Finding{ID: id, Severity: sev, Region: "us-east-1"}
	}
	c1, _ := cloudscope.ParseAmount("100")
	c2, _ := cloudscope.ParseAmount("80.5")
	base := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "a", Regions: []string{"us-east-1", "eu-west-1"}, Costs: &cloudscope.CostSummary{Currency: "USD", Total: c1}},
		Resources: []cloudscope.Resource{instance("i-1"), instance("i-2")},
		Findings: []cloudscope.Finding{f("x", cloudscope.Warning), f("y", cloudscope.Info), f("gone", cloudscope.Info),
			{ID: "unseen", Severity: cloudscope.Info, Region: "eu-west-1"}}}
	head := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "b", Regions: []string{"us-east-1", "eu-west-1"}, Costs: &cloudscope.CostSummary{Currency: "USD", Total: c2},
		Errors: []cloudscope.Failure{{Region: "eu-west-1", Service: "cloudwatch"}}},
		Resources: []cloudscope.Resource{instance("i-2"), instance("i-3")},
		Findings:  []cloudscope.Finding{f("x", cloudscope.Warning), f("y", cloudscope.Critical), f("z", cloudscope.Info)}}
	d := cloudscope.CompareSnapshots(base, head)
	if len(d.ResourcesAdded) != 1 || d.ResourcesAdded[0].ID != "i-3" || len(d.ResourcesRemoved) != 1 || d.ResourcesRemoved[0].ID != "i-1" ||
		len(d.FindingsNew) != 1 || d.FindingsNew[0].ID != "z" || len(d.FindingsWorse) != 1 || d.FindingsWorse[0].ID != "y" ||
		len(d.FindingsResolved) != 1 || d.FindingsResolved[0].ID != "gone" || d.CostChange.String() != "-19.50" {
		t.Errorf("diff %+v", d)
	}
}

func TestPendingSurvivesAScanWithoutNotifier(t *testing.T) {
	acct, n, store, s := setup()
	ctx := context.Background()
	n.fail = errors.New("sns is down")
	if _, err := s.Run(ctx, "scan-1", nil); err != nil {
		t.Fatal(err)
	}
	// A scan with no notifier (the CLI without a topic) stores the pending ids forward.
	quiet := New(Deps{Discovery: acct, Metrics: acct, Costs: acct, Store: store, Thresholds: bottleneck.Defaults})
	if r, err := quiet.Run(ctx, "scan-2", nil); err != nil || r.Snapshot.Notification != cloudscope.NotifyPending || len(r.Snapshot.Notify) != 2 {
		t.Fatalf("without a notifier: %+v %v", r.Snapshot.SnapshotHeader, err)
	}
	n.fail = nil
	if _, err := s.Run(ctx, "scan-3", nil); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 1 || n.sent[0].Attributes["new_findings"] != "2" {
		t.Errorf("the pending findings were lost: %+v", n.sent)
	}
}

func TestRetriedDeliveryFinishesItsNotification(t *testing.T) {
	_, n, _, s := setup()
	ctx := context.Background()
	n.fail = errors.New("sns is down")
	if _, err := s.Run(ctx, "scan-1", nil); err != nil {
		t.Fatal(err)
	}
	n.fail = nil
	r, err := s.Run(ctx, "scan-1", nil) // the same event, delivered again
	if err != nil || !r.Duplicate || r.Snapshot.Notification != cloudscope.NotifySent || len(n.sent) != 1 {
		t.Errorf("retried delivery: %+v %v, %d messages", r, err, len(n.sent))
	}
}

// failingDiscovery fails every discovery.
type failingDiscovery struct{}

func (failingDiscovery) Discover(context.Context, resourcequery.Query) (*resourcequery.Inventory, error) {
	return nil, cloudscope.Errorf(cloudscope.CodeThrottled, "ec2 DescribeRegions: Throttling: Rate exceeded for account 123456789012")
}

func (failingDiscovery) Regions(context.Context) ([]cloudscope.Region, error) {
	return nil, cloudscope.Errorf(cloudscope.CodeThrottled, "ec2 DescribeRegions: Throttling: Rate exceeded for account 123456789012")
}

// A scan's status follows it: queued when asked for, running with its step
// and regions, then done; a failed one says where and what kind, without
// AWS's own words.
func TestStatusFollowsTheScan(t *testing.T) {
	_, _, store, s := setup()
	ctx := context.Background()
	var seen []cloudscope.ScanStatus
	s.d.Progress = func(Progress) {
		if st, _ := store.Status(ctx, "scan-1"); st != nil {
			seen = append(seen, *st)
		}
	}
	if _, err := s.Run(ctx, "scan-1", nil); err != nil {
		t.Fatal(err)
	}
	st, err := store.Status(ctx, "scan-1")
	if err != nil || st == nil || st.State != cloudscope.StateDone || st.Error != "" || st.Regions != 1 || st.RegionsDone != 1 || st.Step != "notify" ||
		!st.UpdatedAt.After(st.StartedAt) {
		t.Fatalf("after the scan: %+v %v", st, err)
	}
	if len(seen) < 4 || seen[0].State != cloudscope.StateRunning || seen[0].ID != "scan-1" {
		t.Errorf("while it ran: %+v", seen)
	}

	svc := &Service{Scanner: s, Store: store, Start: func(context.Context, string) error { return nil }}
	started, err := svc.StartScan(ctx)
	if st, _ := svc.Status(ctx, started.ID); err != nil || st == nil || st.State != cloudscope.StateQueued {
		t.Errorf("a scan asked for: %+v %v", st, err)
	}
	if again, err := svc.StartScan(ctx); err != nil || !again.AlreadyRunning || again.ID != started.ID {
		t.Errorf("a second scan asked for while the first runs: %+v %v; want the first's id", again, err)
	}
	_ = store.ReleaseScanLease(ctx, started.ID)
	svc.Start = func(context.Context, string) error { return errors.New("invoke: AccessDenied") }
	if _, err := svc.StartScan(ctx); err == nil {
		t.Error("a scan that could not start reports no error")
	}

	broken := New(Deps{Discovery: failingDiscovery{}, Metrics: &account{}, Costs: &account{}, Store: store, Thresholds: bottleneck.Defaults})
	if _, err := broken.Run(ctx, "scan-2", nil); err == nil {
		t.Fatal("a failed discovery did not fail the scan")
	}
	st, _ = store.Status(ctx, "scan-2")
	// The account's regions are listed by the plan: the step that failed.
	if st == nil || st.State != cloudscope.StateFailed || !strings.Contains(st.Error, `"plan"`) || !strings.Contains(st.Error, "upstream_throttled") ||
		strings.Contains(st.Error, "123456789012") {
		t.Errorf("failed scan: %+v", st)
	}
}

// countingStore counts status writes.
type countingStore struct {
	*memstore.Store
	writes int
}

func (c *countingStore) SetStatus(ctx context.Context, st cloudscope.ScanStatus) error {
	c.writes++
	return c.Store.SetStatus(ctx, st)
}

// A fast scan writes its status twice (begun, finished), not at every step:
// each write is a round trip the scan waits for.
func TestStatusWritesAreSpaced(t *testing.T) {
	acct, _, _, _ := setup()
	store := &countingStore{Store: memstore.New()}
	s := New(Deps{Discovery: acct, Metrics: acct, Costs: acct, Store: store, Thresholds: bottleneck.Defaults, Now: func() time.Time { return now }})
	if _, err := s.Run(context.Background(), "scan-1", nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := store.Status(context.Background(), "scan-1"); store.writes != 2 || st == nil || st.State != cloudscope.StateDone {
		t.Errorf("%d status writes (want 2), last %+v", store.writes, st)
	}
}

// failingAccount fails metrics (or discovery) in every region, as when the
// AWS endpoint goes away mid-scan.
type failingAccount struct {
	*account
	metricsDown, discoveryDown bool
}

func (f *failingAccount) Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
	if f.metricsDown {
		return nil, cloudscope.Errorf(cloudscope.CodeUnavailable, "cloudwatch GetMetricData: connection refused")
	}
	return f.account.Fetch(ctx, r)
}

func (f *failingAccount) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	inv, err := f.account.Discover(ctx, q)
	if err != nil || !f.discoveryDown {
		inv.Listed = 4
		return inv, err
	}
	failed := cloudscope.Failure{Region: "us-east-1", Service: "ec2", Code: string(cloudscope.CodeUnavailable), Message: "ec2: request failed"}
	if !regional(q) {
		failed = cloudscope.Failure{Region: cloudscope.Global, Service: "s3", Code: string(cloudscope.CodeUnavailable), Message: "s3: request failed"}
	}
	return &resourcequery.Inventory{Regions: inv.Regions, Resources: []cloudscope.Resource{}, Errors: []cloudscope.Failure{failed}}, nil
}

// A scan that read nothing at a step is failed: kept for inspection, never
// the latest, never the base of the next notification; the next good scan
// carries on as if it had not happened.
func TestAScanThatReadNothingIsFailedAndNeverTheLatest(t *testing.T) {
	for _, step := range []string{"metrics", "discover"} {
		t.Run(step, func(t *testing.T) {
			acct, n, store, _ := setup()
			f := &failingAccount{account: acct}
			clock := now
			s := New(Deps{Discovery: f, Metrics: f, Costs: acct, Store: store, Notifier: n, Thresholds: bottleneck.Defaults,
				Now: ticking(clock)})
			ctx := context.Background()
			if _, err := s.Run(ctx, "good-1", nil); err != nil {
				t.Fatal(err)
			}
			f.metricsDown, f.discoveryDown = step == "metrics", step == "discover"
			res, err := s.Run(ctx, "bad", nil)
			if err == nil || cloudscope.CodeOf(err) != cloudscope.CodeUnavailable || res == nil || !res.Snapshot.Failed() || res.Snapshot.FailedStep != step {
				t.Fatalf("a scan that read nothing: %v, %+v", err, res)
			}
			if latest, _ := store.Latest(ctx); latest == nil || latest.ID != "good-1" || len(latest.Findings) != 2 {
				t.Errorf("the latest snapshot changed: %v", latest != nil && latest.ID != "good-1")
			}
			if kept, _ := store.Get(ctx, "bad"); kept == nil || !kept.Failed() {
				t.Errorf("the failed scan is not kept for inspection: %+v", kept)
			}
			if st, _ := store.Status(ctx, "bad"); st == nil || st.State != cloudscope.StateFailed || !strings.Contains(st.Error, step) {
				t.Errorf("its status: %+v", st)
			}
			if len(n.sent) != 1 {
				t.Errorf("%d messages; the failed scan must tell nothing", len(n.sent))
			}
			// Recovered: nothing new against the last good scan, so no message.
			f.metricsDown, f.discoveryDown = false, false
			res, err = s.Run(ctx, "good-2", nil)
			if err != nil || res.Snapshot.Outcome != cloudscope.OutcomeComplete {
				t.Fatalf("the next scan: %v %+v", err, res)
			}
			if len(n.sent) != 1 {
				t.Errorf("%d messages after recovering; the findings were known before the failure", len(n.sent))
			}
			// A retried delivery of the failed scan runs again, and may replace it.
			if res, err := s.Run(ctx, "bad", nil); err != nil || res.Duplicate || res.Snapshot.Failed() {
				t.Errorf("the failed scan's retry: %v %+v", err, res)
			}
		})
	}
}

// One scan at a time: a second Run while one holds the lease starts
// nothing and names the running scan (the Lambda handler's answer then:
// scanapp's TestARunningScanIsNoFailure).
func TestOneScanAtATime(t *testing.T) {
	_, n, store, s := setup()
	ctx := context.Background()
	if h, _ := store.AcquireScanLease(ctx, "running-1", LeaseDuration); h != "" {
		t.Fatal(h)
	}
	_, err := s.Run(ctx, "second", nil)
	var running *ErrScanRunning
	if !errors.As(err, &running) || running.ID != "running-1" {
		t.Fatalf("a second scan: %v", err)
	}
	if snap, _ := store.Get(ctx, "second"); snap != nil || len(n.sent) != 0 {
		t.Errorf("the second scan ran: %+v, %d messages", snap, len(n.sent))
	}
	_ = store.ReleaseScanLease(ctx, "running-1")
	if _, err := s.Run(ctx, "third", nil); err != nil {
		t.Errorf("after the lease is released: %v", err)
	}
	if h, _ := store.AcquireScanLease(ctx, "fourth", LeaseDuration); h != "" {
		t.Errorf("a finished scan keeps the lease: held by %q", h)
	}
}

// raceStore is a store where another delivery of one scan claims its
// notification just before this one can.
type raceStore struct {
	*memstore.Store
	lost string
}

func (r *raceStore) SetNotification(ctx context.Context, id, from, to string) error {
	if id == r.lost && to == cloudscope.NotifySending {
		_ = r.Store.SetNotification(ctx, id, from, to) // the other delivery wins
		return cloudscope.ErrStateChanged
	}
	return r.Store.SetNotification(ctx, id, from, to)
}

// A scan that carries an unsent notification claims it first: when a
// retried delivery of that scan got it, this scan leaves its findings out
// rather than telling them twice.
func TestACarriedNotificationIsNeverSentTwice(t *testing.T) {
	acct, n, _, _ := setup()
	store := &raceStore{Store: memstore.New(), lost: "scan-1"}
	clock := now
	s := New(Deps{Discovery: acct, Metrics: acct, Costs: acct, Store: store, Notifier: n, Thresholds: bottleneck.Defaults,
		Now: ticking(clock)})
	ctx := context.Background()
	n.fail = errors.New("sns is down")
	if r, err := s.Run(ctx, "scan-1", nil); err != nil || r.Snapshot.Notification != cloudscope.NotifyPending {
		t.Fatalf("first scan: %v %+v", err, r)
	}
	n.fail = nil
	acct.resources = append(acct.resources, instance("i-new"))
	acct.cpu["i-new"] = 99
	r, err := s.Run(ctx, "scan-2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 1 {
		t.Fatalf("%d messages, want 1", len(n.sent))
	}
	body := n.sent[0].Bodies["default"]
	if body == "" {
		for _, b := range n.sent[0].Bodies {
			body = b
		}
	}
	if !strings.Contains(body, "i-new") || strings.Contains(body, "i-hot") {
		t.Errorf("scan-2 told %q; want only i-new (i-hot is scan-1's, which its other delivery sends)", body)
	}
	if r.Snapshot.Notification != cloudscope.NotifySent {
		t.Errorf("scan-2's notification is %s", r.Snapshot.Notification)
	}
}
