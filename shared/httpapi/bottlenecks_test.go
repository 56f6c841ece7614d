package httpapi_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/memstore"
)

type fakeBottlenecks struct {
	store   *memstore.Store
	started []string
}

func (f *fakeBottlenecks) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	return f.store.LatestFindings(ctx)
}
func (f *fakeBottlenecks) Get(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	return f.store.Get(ctx, id)
}
func (f *fakeBottlenecks) List(ctx context.Context, n int) ([]cloudscope.SnapshotHeader, error) {
	return f.store.List(ctx, n)
}
func (f *fakeBottlenecks) Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	return f.store.Before(ctx, id)
}
func (f *fakeBottlenecks) Live(ctx context.Context, regions []string) (*cloudscope.Snapshot, error) {
	return snapshot("live", clock, "i-live"), nil
}
func (f *fakeBottlenecks) StartScan(ctx context.Context) (cloudscope.ScanStarted, error) {
	f.started = append(f.started, "manual-1")
	return cloudscope.ScanStarted{ID: "manual-1"}, f.store.SetStatus(ctx, cloudscope.ScanStatus{ID: "manual-1", State: cloudscope.StateQueued, StartedAt: clock, UpdatedAt: clock})
}
func (f *fakeBottlenecks) Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error) {
	return f.store.Status(ctx, id)
}

func snapshot(id string, at time.Time, hot ...string) *cloudscope.Snapshot {
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: at, FinishedAt: at.Add(time.Minute), Regions: []string{"us-east-1", "eu-west-1"},
		Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyNone},
		Resources: []cloudscope.Resource{}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	s.Calls = map[string]int{"discovery": 12, bill.CostExplorer: 1, bill.GetMetricData: 3}
	s.Bill = bill.OfScan(s.Calls, map[string]int64{bill.GetMetricData: 840})
	for i, h := range hot {
		region := []string{"us-east-1", "eu-west-1"}[i%2]
		s.Resources = append(s.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: h, Region: region, EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}})
		sev := []cloudscope.Severity{cloudscope.Critical, cloudscope.Warning}[i%2]
		s.Findings = append(s.Findings, cloudscope.Finding{ID: "ec2.high_cpu/ec2/" + region + "/" + h, Rule: "ec2.high_cpu", Severity: sev, Title: "hot",
			ResourceType: cloudscope.EC2, ResourceID: h, Region: region, Observed: map[string]float64{"max_cpu_percent": 99},
			Threshold: cloudscope.Threshold{Value: 80, Op: ">", Unit: "Percent", Source: "seed design"},
			Window:    cloudscope.Window{Start: at.Add(-time.Hour), End: at}, Evidence: []cloudscope.Point{{T: cloudscope.At(at), V: 99}}, Recommendation: "scale"})
	}
	return s
}

func TestBottleneckRoutes(t *testing.T) {
	f := &fakeBottlenecks{store: memstore.New()}
	h := newAPI(httpapi.Deps{Bottlenecks: f, Now: func() time.Time { return clock }})
	if r := do(t, h, "GET", "/bottlenecks"); r.status != 404 || r.env.Error.Code != "not_found" {
		t.Errorf("before any scan: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	_ = f.store.Save(ctx, snapshot("s1", clock.Add(-48*time.Hour), "i-a"))
	_ = f.store.Save(ctx, snapshot("s2", clock.Add(-24*time.Hour), "i-b", "i-c"))

	r := do(t, h, "GET", "/bottlenecks?severity=critical")
	var b struct {
		SnapshotID string               `json:"snapshot_id"`
		Findings   []cloudscope.Finding `json:"findings"`
	}
	if err := json.Unmarshal(r.env.Data, &b); err != nil || b.SnapshotID != "s2" || len(b.Findings) != 1 || b.Findings[0].ResourceID != "i-b" {
		t.Errorf("latest critical: %s", r.body)
	}
	r = do(t, h, "GET", "/bottlenecks?regions=eu-west-1")
	if err := json.Unmarshal(r.env.Data, &b); err != nil || len(b.Findings) != 1 || b.Findings[0].ResourceID != "i-c" {
		t.Errorf("eu-west-1: %s", r.body)
	}
	if r := do(t, h, "GET", "/bottlenecks?source=live"); r.status != 200 {
		t.Errorf("live: %d %s", r.status, r.body)
	}
	// Every header carries the scan's own bill: 1 Cost Explorer request and
	// 840 metrics requested, 0.01 + 0.0084 USD.
	var list struct {
		Snapshots []cloudscope.SnapshotHeader `json:"snapshots"`
	}
	if r := do(t, h, "GET", "/snapshots?limit=1"); r.status != 200 || json.Unmarshal(r.env.Data, &list) != nil || len(list.Snapshots) != 1 ||
		list.Snapshots[0].Bill == nil || list.Snapshots[0].Bill.Total.String() != "0.0184" || list.Snapshots[0].Bill.Currency != "USD" {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	var one cloudscope.SnapshotHeader
	if r := do(t, h, "GET", "/snapshots/s1"); r.status != 200 || json.Unmarshal(r.env.Data, &one) != nil || one.Bill == nil || len(one.Bill.Items) != 3 {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	r = do(t, h, "GET", "/snapshots/s2/diff")
	var d cloudscope.SnapshotDiff
	if err := json.Unmarshal(r.env.Data, &d); err != nil || d.Base != "s1" || len(d.FindingsNew) != 2 || len(d.FindingsResolved) != 1 || len(d.ResourcesAdded) != 2 {
		t.Errorf("diff: %s", r.body)
	}
	if r := do(t, h, "GET", "/snapshots/nope"); r.status != 404 {
		t.Errorf("unknown snapshot: %d", r.status)
	}
	if r := do(t, h, "GET", "/snapshots/s1/diff"); r.status != 400 || r.env.Error.Param != "base" {
		t.Errorf("diff of the oldest: %d %s", r.status, r.body)
	}
	r = do(t, h, "POST", "/scans")
	if r.status != 202 || r.header.Get("Location") != "/scans/manual-1" || len(f.started) != 1 {
		t.Errorf("start: %d %v %s", r.status, r.header, r.body)
	}
	r = do(t, h, "GET", "/scans/manual-1")
	var st cloudscope.ScanStatus
	if err := json.Unmarshal(r.env.Data, &st); err != nil || r.status != 200 || st.ID != "manual-1" || st.State != cloudscope.StateQueued {
		t.Errorf("status: %d %s", r.status, r.body)
	}
	// A sharded scan: its shards done, failed and left.
	_ = f.store.SetShardTotal(ctx, "manual-1", 5)
	_ = f.store.ShardDone(ctx, "manual-1", false)
	_ = f.store.ShardDone(ctx, "manual-1", false)
	_ = f.store.ShardDone(ctx, "manual-1", true)
	r = do(t, h, "GET", "/scans/manual-1")
	var sharded struct {
		Shards map[string]int `json:"shards"`
	}
	if err := json.Unmarshal(r.env.Data, &sharded); err != nil || r.status != 200 ||
		!maps.Equal(sharded.Shards, map[string]int{"total": 5, "done": 2, "failed": 1, "left": 2}) {
		t.Errorf("a sharded scan's status: %d %s", r.status, r.body)
	}
	if r := do(t, h, "GET", "/scans/manual-2"); r.status != 404 || r.env.Error.Code != "not_found" {
		t.Errorf("unknown scan: %d %s", r.status, r.body)
	}
	for target, param := range map[string]string{"/bottlenecks?severity=urgent": "severity", "/bottlenecks?source=cache": "source",
		"/snapshots?limit=0": "limit", "/snapshots/bad%20id": "id", "/scans/bad%20id": "id"} {
		if r := do(t, h, "GET", target); r.status != 400 || r.env.Error.Param != param {
			t.Errorf("%s: %d %s", target, r.status, r.body)
		}
	}
}

func TestBottlenecksSummarizeSavings(t *testing.T) {
	f := &fakeBottlenecks{store: memstore.New()}
	h := newAPI(httpapi.Deps{Bottlenecks: f, Now: func() time.Time { return clock }})
	ctx := context.Background()
	waste := func(id, region, monthly string) cloudscope.Finding {
		f := cloudscope.Finding{ID: "eip.unassociated/eip/" + region + "/" + id, AccountID: "111122223333", Rule: "eip.unassociated", Severity: cloudscope.Warning,
			Title: "idle address", ResourceType: cloudscope.Address, ResourceID: id, Region: region, Observed: map[string]float64{"associations": 0},
			Threshold: cloudscope.Threshold{Value: 0, Op: "==", Unit: "associations", Source: "Powerpipe aws_thrifty"},
			Window:    cloudscope.Window{Start: clock.Add(-time.Hour), End: clock}, Evidence: []cloudscope.Point{}, Recommendation: "release it"}
		if monthly == "" {
			f.Savings = &cloudscope.Savings{Unavailable: "no saving estimated: no price found"}
			return f
		}
		m, _ := cloudscope.ParseAmount(monthly)
		q, _ := cloudscope.ParseAmount("730")
		p, _ := cloudscope.ParseAmount("0.005")
		f.Savings = &cloudscope.Savings{Monthly: &m, Currency: "USD", Quantity: &q, Unit: "hour", UnitPrice: &p, PriceSource: "AWS Price List AmazonVPC SKU X",
			PriceDate: "2026-11-01", Estimate: "release the address, 730 hours x 0.005 USD/hour = 3.65 USD/month"}
		return f
	}
	s := snapshot("s1", clock.Add(-time.Hour), "i-a")
	s.Findings = append(s.Findings, waste("eipalloc-1", "us-east-1", "3.65"), waste("eipalloc-2", "eu-west-1", "3.65"), waste("eipalloc-3", "eu-west-1", ""))
	// A smaller saving on eipalloc-1, which the larger one counts already.
	also := waste("eipalloc-1", "us-east-1", "1.00")
	also.ID, also.Rule, also.Severity = "eip.other/eip/us-east-1/eipalloc-1", "eip.other", cloudscope.Info
	also.Savings.Resources = []cloudscope.ResourceRef{{Type: cloudscope.Address, ID: "eipalloc-1"}}
	s.Findings = append(s.Findings, also)
	cloudscope.CoverSavings(s.Findings)
	_ = f.store.Save(ctx, s)

	var b struct {
		Summary struct {
			Savings cloudscope.SavingsSummary `json:"savings"`
		} `json:"summary"`
	}
	r := do(t, h, "GET", "/bottlenecks") // held to the OpenAPI document, savings and all
	if err := json.Unmarshal(r.env.Data, &b); err != nil {
		t.Fatal(err)
	}
	if sv := b.Summary.Savings; sv.Monthly.String() != "7.30" || sv.Priced != 2 || sv.Covered != 1 || sv.Unpriced != 1 || sv.ByRegion["eu-west-1"].String() != "3.65" ||
		sv.ByAccount["111122223333"].String() != "7.30" || sv.ByType[cloudscope.Address].String() != "7.30" || sv.ByRule["eip.unassociated"].String() != "7.30" {
		t.Errorf("summary: %s", r.body)
	}
	r = do(t, h, "GET", "/bottlenecks?regions=us-east-1")
	if err := json.Unmarshal(r.env.Data, &b); err != nil || b.Summary.Savings.Monthly.String() != "3.65" {
		t.Errorf("the summary of the findings shown: %s", r.body)
	}
	// Shown without the finding that covers it, a covered saving is still counted there.
	r = do(t, h, "GET", "/bottlenecks?severity=info")
	if err := json.Unmarshal(r.env.Data, &b); err != nil || !b.Summary.Savings.Monthly.IsZero() || b.Summary.Savings.Covered != 1 ||
		!strings.Contains(string(r.body), `"covered_by":"eip.unassociated/eip/us-east-1/eipalloc-1"`) {
		t.Errorf("the summary of a covered saving alone: %s", r.body)
	}
}

// TestOnlyAdminsStartScans: a person signed in to the dashboard starts a
// scan only as a member of the admins group (the JWT authorizer's groups
// claim, as API Gateway flattens it); others get 403 and nothing starts.
// A request with no signed-in person (IAM, the local server) is left to
// its own permissions.
func TestOnlyAdminsStartScans(t *testing.T) {
	for _, c := range []struct {
		name   string
		caller *httpapi.Caller
		status int
	}{
		{"reader", &httpapi.Caller{Groups: httpapi.ParseGroups("[readers]")}, 403},
		{"no group", &httpapi.Caller{}, 403},
		{"admin", &httpapi.Caller{Groups: httpapi.ParseGroups("[readers cloudscope-admins]")}, 202},
		{"iam", nil, 202},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeBottlenecks{store: memstore.New()}
			h := newAPI(httpapi.Deps{Bottlenecks: f, Now: func() time.Time { return clock }})
			req := httptest.NewRequest("POST", "/scans", nil)
			if c.caller != nil {
				req = req.WithContext(httpapi.WithCaller(req.Context(), *c.caller))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != c.status || (c.status == 403) != (len(f.started) == 0) {
				t.Errorf("%d, %d scans started: %s", w.Code, len(f.started), w.Body)
			}
		})
	}
}
