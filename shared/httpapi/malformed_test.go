package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/testkit/apitest"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// counting is every service behind the API, answering valid requests with
// little and counting each call by method name.
type counting struct {
	mu    sync.Mutex
	calls map[string]int
	store *memstore.Store
}

func (c *counting) count(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[name]++
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func (c *counting) Regions(context.Context) ([]cloudscope.Region, error) {
	c.count("Regions")
	return []cloudscope.Region{{Name: "us-east-1", OptInStatus: "opt-in-not-required"}}, nil
}
func (c *counting) Discover(_ context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	c.count("Discover")
	return sampleInventory(q), nil
}
func (c *counting) Fetch(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
	c.count("Fetch")
	return &metricquery.Result{Region: r.Region, Window: r.Window, Resources: []cloudscope.ResourceMetrics{}}, nil
}
func (c *counting) Report(context.Context, costquery.Query) (*costquery.Report, error) {
	c.count("Report")
	return nil, cloudscope.Errorf(cloudscope.CodeUnavailable, "not in this test")
}
func (c *counting) Forecast(context.Context, costquery.ForecastQuery) (*costquery.Forecast, error) {
	c.count("Forecast")
	return nil, cloudscope.Errorf(cloudscope.CodeUnavailable, "not in this test")
}
func (c *counting) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	c.count("LatestFindings")
	return c.store.LatestFindings(ctx)
}
func (c *counting) Get(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	c.count("Get")
	return c.store.Get(ctx, id)
}
func (c *counting) List(ctx context.Context, n int) ([]cloudscope.SnapshotHeader, error) {
	c.count("List")
	return c.store.List(ctx, n)
}
func (c *counting) Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	c.count("Before")
	return c.store.Before(ctx, id)
}
func (c *counting) Live(context.Context, []string) (*cloudscope.Snapshot, error) {
	c.count("Live")
	return snapshot("live", clock, "i-live"), nil
}
func (c *counting) StartScan(context.Context) (cloudscope.ScanStarted, error) {
	c.count("StartScan")
	return cloudscope.ScanStarted{ID: "manual-1"}, nil
}
func (c *counting) Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error) {
	c.count("Status")
	return c.store.Status(ctx, id)
}

// countingAPI serves every route over counting services; region names are
// checked by a real Discoverer whose DescribeRegions calls are counted too.
func countingAPI(t *testing.T) (http.Handler, *counting, *awsstub.Counter) {
	svc := &counting{calls: map[string]int{}, store: memstore.New()}
	_ = svc.store.Save(context.Background(), snapshot("s1", clock.Add(-time.Hour), "i-a"))
	calls := &awsstub.Counter{}
	h := calls.Wrap(func(_ context.Context, c awsstub.Call) (any, error) {
		if _, ok := c.Input.(*ec2.DescribeRegionsInput); ok {
			return &ec2.DescribeRegionsOutput{Regions: []ec2types.Region{
				region("us-east-1", "opt-in-not-required"), region("eu-west-1", "opt-in-not-required"), region("af-south-1", "not-opted-in")}}, nil
		}
		t.Errorf("unexpected AWS call %s.%s", c.Service, c.Operation)
		return nil, awsstub.APIError("Unexpected", c.Operation)
	})
	regions := discovery.New(discovery.ClientsFrom(awsstub.Clients(h)), resourcequery.Options{})
	api := newAPI(httpapi.Deps{Discovery: svc, Metrics: svc, Costs: svc, Bottlenecks: svc, Regions: regions,
		Now: func() time.Time { return clock }})
	return api, svc, calls
}

func region(name, status string) ec2types.Region {
	return ec2types.Region{RegionName: aws.String(name), OptInStatus: aws.String(status)}
}

// malformed is one request that no service may see.
type malformed struct {
	method, target string
	body           io.Reader
	contentType    string
	status         int
	code, param    string
	allow          string // the Allow header of a 405
}

func TestMalformedRequestsCallNoService(t *testing.T) {
	const ec2q = "/metrics?resource_type=ec2&resource_ids=i-0123456789abcdef0"
	long := strings.Repeat("a", 100<<10)
	const js = "application/json"
	cases := []malformed{
		// Paths ServeMux would clean and redirect, or that decode to dots.
		{method: "GET", target: "/snapshots/../../etc/passwd", status: 404, code: "not_found"},
		{method: "GET", target: "/snapshots/..", status: 404, code: "not_found"},
		{method: "GET", target: "/snapshots/%2e%2e", status: 404, code: "not_found"},
		{method: "GET", target: "/snapshots/%2E%2e/diff", status: 404, code: "not_found"},
		{method: "GET", target: "/scans/%2e%2e", status: 404, code: "not_found"},
		{method: "GET", target: "/scans/.", status: 404, code: "not_found"},
		{method: "GET", target: "/snapshots/s1/./diff", status: 404, code: "not_found"},
		{method: "GET", target: "//regions", status: 404, code: "not_found"},
		{method: "GET", target: "/./regions", status: 404, code: "not_found"},
		{method: "GET", target: "/regions/", status: 404, code: "not_found"},
		{method: "GET", target: "/regions/..", status: 404, code: "not_found"},
		{method: "POST", target: "/scans/..", status: 404, code: "not_found"},
		{method: "GET", target: "/" + long, status: 404, code: "not_found"},
		{method: "GET", target: "/nope", status: 404, code: "not_found"},
		{method: "POST", target: "/", status: 404, code: "not_found"}, // the API has nothing at /
		// Known paths, other methods.
		{method: "POST", target: "/regions", status: 405, code: "method_not_allowed", allow: "GET, OPTIONS"},
		{method: "DELETE", target: "/scans/x", status: 405, code: "method_not_allowed", allow: "GET, OPTIONS"},
		{method: "GET", target: "/scans", status: 405, code: "method_not_allowed", allow: "POST, OPTIONS"},
		{method: "PUT", target: "/snapshots/s1/diff", status: 405, code: "method_not_allowed", allow: "GET, OPTIONS"},
		{method: "POST", target: "/metrics", status: 405, code: "method_not_allowed", allow: "GET, OPTIONS"},
		{method: "DELETE", target: "/costs/forecast", status: 405, code: "method_not_allowed", allow: "GET, OPTIONS"},
		{method: strings.Repeat("X", 1000), target: "/resources", status: 405, code: "method_not_allowed", allow: "GET, OPTIONS"},
		// Bodies on POST /scans.
		{method: "POST", target: "/scans", body: bytes.NewReader(make([]byte, 16<<20)), contentType: js, status: 413, code: "payload_too_large"},
		{method: "POST", target: "/scans", body: io.NopCloser(strings.NewReader("{" + strings.Repeat(" ", 2000) + "}")), contentType: js, status: 413, code: "payload_too_large"},
		{method: "POST", target: "/scans", body: strings.NewReader("regions=us-east-1"), contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type"},
		{method: "POST", target: "/scans", body: strings.NewReader("{}"), status: 415, code: "unsupported_media_type"},
		{method: "POST", target: "/scans", body: strings.NewReader(`{"regions":["us-east-1"]}`), contentType: js, status: 400, code: "invalid_parameter", param: "body"},
		{method: "POST", target: "/scans", body: strings.NewReader(`[]`), contentType: js, status: 400, code: "invalid_parameter", param: "body"},
		{method: "POST", target: "/scans", body: strings.NewReader(`{`), contentType: "application/json; charset=utf-8", status: 400, code: "invalid_parameter", param: "body"},
		{method: "POST", target: "/scans?force=1", status: 400, code: "invalid_parameter", param: "force"},
		// Regions not enabled for the account, on every route that takes one.
		{method: "GET", target: ec2q + "&region=xx-fake-1", status: 400, code: "invalid_parameter", param: "region"},
		{method: "GET", target: ec2q + "&region=af-south-1", status: 400, code: "invalid_parameter", param: "region"},
		{method: "GET", target: "/resources?regions=us-east-1,xx-fake-1", status: 400, code: "invalid_parameter", param: "regions"},
		{method: "GET", target: "/resources?regions=af-south-1&types=s3", status: 400, code: "invalid_parameter", param: "regions"},
		{method: "GET", target: "/bottlenecks?regions=xx-fake-1", status: 400, code: "invalid_parameter", param: "regions"},
		{method: "GET", target: "/bottlenecks?regions=xx-fake-1&source=live", status: 400, code: "invalid_parameter", param: "regions"},
		// Windows past CloudWatch's and Cost Explorer's limits.
		{method: "GET", target: ec2q + "&region=us-east-1&start=2026-11-26T00:00:00Z&end=2999-01-01T00:00:00Z", status: 400, code: "invalid_parameter", param: "end"},
		{method: "GET", target: ec2q + "&region=us-east-1&hours=10921", status: 400, code: "invalid_parameter", param: "hours"},
		{method: "GET", target: ec2q + "&region=us-east-1&start=2024-01-01T00:00:00Z", status: 400, code: "invalid_parameter", param: "start"},
		{method: "GET", target: "/costs?start=2026-11-01&end=2999-01-01", status: 400, code: "invalid_parameter", param: "end"},
		{method: "GET", target: "/costs/forecast?days=91", status: 400, code: "invalid_parameter", param: "days"},
		// Single-value parameters given twice, on every route that has one.
		{method: "GET", target: ec2q + "&region=us-east-1&hours=1&hours=2", status: 400, code: "invalid_parameter", param: "hours"},
		{method: "GET", target: ec2q + "&region=us-east-1&region=eu-west-1", status: 400, code: "invalid_parameter", param: "region"},
		{method: "GET", target: ec2q + "&region=us-east-1&resource_type=rds", status: 400, code: "invalid_parameter", param: "resource_type"},
		{method: "GET", target: ec2q + "&region=us-east-1&period=60&period=300", status: 400, code: "invalid_parameter", param: "period"},
		{method: "GET", target: ec2q + "&region=us-east-1&start=2026-11-26T00:00:00Z&start=2026-11-25T00:00:00Z", status: 400, code: "invalid_parameter", param: "start"},
		{method: "GET", target: "/costs?days=1&days=2", status: 400, code: "invalid_parameter", param: "days"},
		{method: "GET", target: "/costs?group_by=SERVICE&group_by=REGION", status: 400, code: "invalid_parameter", param: "group_by"},
		{method: "GET", target: "/costs/forecast?metric=UnblendedCost&metric=BlendedCost", status: 400, code: "invalid_parameter", param: "metric"},
		{method: "GET", target: "/bottlenecks?source=live&source=latest", status: 400, code: "invalid_parameter", param: "source"},
		{method: "GET", target: "/snapshots?limit=1&limit=2", status: 400, code: "invalid_parameter", param: "limit"},
		{method: "GET", target: "/snapshots/s1/diff?base=a&base=b", status: 400, code: "invalid_parameter", param: "base"},
		// Unknown parameters and bad values, echoed at most 64 characters.
		{method: "GET", target: "/regions?" + long + "=1", status: 400, code: "invalid_parameter", param: strings.Repeat("a", 64) + "..."},
		{method: "GET", target: "/snapshots/s1?x=1", status: 400, code: "invalid_parameter", param: "x"},
		{method: "GET", target: "/scans/manual-1?x=1", status: 400, code: "invalid_parameter", param: "x"},
		{method: "GET", target: "/resources?types=" + long, status: 400, code: "invalid_parameter", param: "types"},
		{method: "GET", target: "/resources?regions=" + long, status: 400, code: "invalid_parameter", param: "regions"},
		{method: "GET", target: ec2q[:len(ec2q)-19] + long + "&region=us-east-1", status: 400, code: "invalid_parameter", param: "resource_ids"},
		{method: "GET", target: ec2q + "&region=" + long, status: 400, code: "invalid_parameter", param: "region"},
		{method: "GET", target: ec2q + "&region=us-east-1&stats=" + long, status: 400, code: "invalid_parameter", param: "stats"},
		{method: "GET", target: "/costs?group_by=TAG:" + long, status: 400, code: "invalid_parameter", param: "group_by"},
		{method: "GET", target: "/bottlenecks?severity=" + long, status: 400, code: "invalid_parameter", param: "severity"},
		{method: "GET", target: "/snapshots/" + strings.Repeat("s", 200), status: 400, code: "invalid_parameter", param: "id"},
		{method: "GET", target: "/scans/" + strings.Repeat("s", 200), status: 400, code: "invalid_parameter", param: "id"},
		{method: "GET", target: "/snapshots/s1/diff?base=" + long, status: 400, code: "invalid_parameter", param: "base"},
	}
	api, svc, calls := countingAPI(t)
	for _, tc := range cases {
		name := tc.method + " " + tc.target
		if len(name) > 120 {
			name = name[:120]
		}
		t.Run(name, func(t *testing.T) {
			before := svc.total()
			req := httptest.NewRequest(tc.method, tc.target, tc.body)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, req)
			if n := svc.total() - before; n != 0 {
				t.Errorf("%d service calls (%v)", n, svc.calls)
			}
			checkError(t, tc, rec)
			apitest.Conform(t, tc.method, tc.target, rec.Code, rec.Header(), rec.Body.Bytes())
		})
	}
	if n := calls.Count("EC2.DescribeRegions"); n != 1 {
		t.Errorf("%d DescribeRegions calls, want 1 (the list is cached)", n)
	}

	// The same routes with their requests put right reach their services:
	// the counts above mean what they say.
	for _, target := range []string{ec2q + "&region=us-east-1&hours=10920", ec2q + "&region=eu-west-1&start=2026-11-26T00:00:00Z&end=2026-11-26T12:03:00Z",
		"/resources?regions=us-east-1", "/bottlenecks?regions=eu-west-1&source=live", "/snapshots?limit=1", "/snapshots/s1"} {
		before := svc.total()
		r := do(t, api, "GET", target)
		if r.status != 200 || svc.total() != before+1 {
			t.Errorf("%s: %d, %d calls: %s", target, r.status, svc.total()-before, r.body)
		}
	}
	for _, body := range []io.Reader{nil, strings.NewReader(" {} "), strings.NewReader("")} {
		req := httptest.NewRequest("POST", "/scans", body)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		apitest.Conform(t, "POST", "/scans", rec.Code, rec.Header(), rec.Body.Bytes())
		if rec.Code != 202 {
			t.Errorf("POST /scans with %v: %d %s", body, rec.Code, rec.Body)
		}
	}
}

// checkError holds one answer to the error contract.
func checkError(t *testing.T, tc malformed, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != tc.status {
		t.Errorf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
	}
	h := rec.Header()
	if h.Get("Content-Type") != "application/json" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
		h.Get("Content-Security-Policy") != httpapi.APIContentSecurityPolicy || h.Get("Cache-Control") != "no-store" || h.Get("Location") != "" {
		t.Errorf("headers %v", h)
	}
	if h.Get("Allow") != tc.allow {
		t.Errorf("Allow %q, want %q", h.Get("Allow"), tc.allow)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || len(env) != 2 || string(env["success"]) != "false" {
		t.Fatalf("not an error envelope: %v %.300s", err, rec.Body)
	}
	var e map[string]string
	if err := json.Unmarshal(env["error"], &e); err != nil || e["code"] != tc.code || e["message"] == "" || e["param"] != tc.param {
		t.Errorf("error %v %v, want code %s param %q", e, err, tc.code, tc.param)
	}
	for k := range e {
		if k != "code" && k != "message" && k != "param" {
			t.Errorf("error has %q", k)
		}
	}
	if n := len(e["message"]); n > 200 {
		t.Errorf("message of %d characters: %.300s", n, e["message"])
	}
	if rec.Body.Len() > 600 {
		t.Errorf("a body of %d bytes", rec.Body.Len())
	}
}
