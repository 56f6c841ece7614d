package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/testkit/apitest"
)

// fakeDiscovery answers with fixed data or errors.
type fakeDiscovery struct {
	regions  func(context.Context) ([]cloudscope.Region, error)
	discover func(context.Context, resourcequery.Query) (*resourcequery.Inventory, error)
}

func (f fakeDiscovery) Regions(ctx context.Context) ([]cloudscope.Region, error) {
	return f.regions(ctx)
}
func (f fakeDiscovery) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	return f.discover(ctx, q)
}

type response struct {
	status int
	header http.Header
	body   []byte
	env    struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   *struct {
			Code, Message, Param string
		} `json:"error"`
	}
}

// do serves one request and holds the response to the OpenAPI document.
func do(t *testing.T, h http.Handler, method, target string) response {
	t.Helper()
	r := serve(t, h, method, target)
	apitest.Conform(t, method, target, r.status, r.header, r.body)
	return r
}

// serve serves one request and decodes the envelope.
func serve(t *testing.T, h http.Handler, method, target string) response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if err := json.Unmarshal(r.body, &r.env); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v: %s", method, target, err, r.body)
	}
	return r
}

func sampleInventory(q resourcequery.Query) *resourcequery.Inventory {
	return &resourcequery.Inventory{
		Regions: []string{"eu-west-1", "us-east-1"},
		Resources: []cloudscope.Resource{
			{Type: cloudscope.EC2, ID: "i-1", Name: "web", Region: "us-east-1", State: "running", Tags: map[string]string{"Name": "web"},
				EC2: &cloudscope.EC2Details{InstanceType: "t3.micro"}},
			{Type: cloudscope.RDS, ID: "db", Region: "eu-west-1", State: "available",
				RDS: &cloudscope.RDSDetails{InstanceClass: "db.t3.micro", Engine: "mysql", AllocatedStorageGB: 20}},
		},
		Errors: []cloudscope.Failure{{Region: "us-east-1", Service: "lambda", Code: "upstream_access_denied", Message: "ListFunctions: AccessDeniedException"}},
	}
}

func TestResources(t *testing.T) {
	var got resourcequery.Query
	h := newAPI(httpapi.Deps{Discovery: fakeDiscovery{discover: func(_ context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
		got = q
		return sampleInventory(q), nil
	}}})
	r := do(t, h, "GET", "/resources?regions=us-east-1&regions=eu-west-1&types=ec2,rds")
	if r.status != 200 || !r.env.Success {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if fmt.Sprint(got.Regions, got.Types) != "[us-east-1 eu-west-1] [ec2 rds]" {
		t.Errorf("discovery asked for %v", got)
	}
	var data struct {
		Counts struct {
			Total    int            `json:"total"`
			ByType   map[string]int `json:"by_type"`
			ByRegion map[string]int `json:"by_region"`
		} `json:"counts"`
		Errors []cloudscope.Failure `json:"errors"`
	}
	if err := json.Unmarshal(r.env.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Counts.Total != 2 || fmt.Sprint(data.Counts.ByType) != "map[ec2:1 rds:1]" || fmt.Sprint(data.Counts.ByRegion) != "map[eu-west-1:1 us-east-1:1]" {
		t.Errorf("counts %+v", data.Counts)
	}
	if len(data.Errors) != 1 || data.Errors[0].Service != "lambda" {
		t.Errorf("partial failure not carried: %+v", data.Errors)
	}
}

func TestErrorsMapToStatuses(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{cloudscope.Invalid("regions", "unknown region"), 400, "invalid_parameter"},
		{&cloudscope.Error{Code: cloudscope.CodeAccessDenied, Message: "DescribeRegions: AccessDenied"}, 502, "upstream_access_denied"},
		{&cloudscope.Error{Code: cloudscope.CodeThrottled, Message: "Throttling"}, 503, "upstream_throttled"},
		{&cloudscope.Error{Code: cloudscope.CodeTimeout, Message: "timed out"}, 504, "upstream_timeout"},
		{&cloudscope.Error{Code: cloudscope.CodeCredentials, Message: "no AWS credentials found"}, 503, "credentials_missing"},
		{fmt.Errorf("discover: %w", context.DeadlineExceeded), 504, "upstream_timeout"},
		{errors.New("secret internal detail at /home/x"), 500, "internal"},
	} {
		var logs bytes.Buffer
		h := newAPI(httpapi.Deps{
			Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			Discovery: fakeDiscovery{discover: func(context.Context, resourcequery.Query) (*resourcequery.Inventory, error) {
				return nil, tc.err
			}},
		})
		r := serve(t, h, "GET", "/resources")
		if tc.status != 500 { // 500 is outside the contract: no route documents it
			apitest.Conform(t, "GET", "/resources", r.status, r.header, r.body)
		}
		if r.status != tc.status || r.env.Success || r.env.Error == nil || r.env.Error.Code != tc.code {
			t.Errorf("%v: got %d %s", tc.err, r.status, r.body)
			continue
		}
		if tc.code == "internal" {
			if strings.Contains(string(r.body), "secret") || r.env.Error.Message != "internal error" {
				t.Errorf("500 shows internals: %s", r.body)
			}
			if !strings.Contains(logs.String(), "secret internal detail") {
				t.Errorf("the cause was not logged: %s", logs.String())
			}
		}
	}
}

// TestReadyGatesEveryAWSRoute: while Ready objects, every route answers its
// error (a credentials error: 503) without calling the service; the OpenAPI
// document is still served; once Ready has no objection, routes answer.
func TestReadyGatesEveryAWSRoute(t *testing.T) {
	called := 0
	var objection error = &cloudscope.Error{Code: cloudscope.CodeCredentials, Message: "no AWS credentials found: run `aws configure`"}
	h := newAPI(httpapi.Deps{
		Ready: func(ctx context.Context) error { return objection },
		Discovery: fakeDiscovery{
			discover: func(context.Context, resourcequery.Query) (*resourcequery.Inventory, error) {
				called++
				return &resourcequery.Inventory{Resources: []cloudscope.Resource{}, Regions: []string{}, Errors: []cloudscope.Failure{}}, nil
			},
			regions: func(context.Context) ([]cloudscope.Region, error) { called++; return []cloudscope.Region{}, nil },
		},
	})
	for _, target := range []string{"/regions", "/resources"} {
		r := do(t, h, "GET", target)
		if r.status != 503 || r.env.Success || r.env.Error == nil || r.env.Error.Code != "credentials_missing" ||
			!strings.Contains(r.env.Error.Message, "aws configure") {
			t.Errorf("%s while not ready: %d %s", target, r.status, r.body)
		}
	}
	if called != 0 {
		t.Errorf("the service was called %d times while not ready", called)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.yaml", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "openapi:") {
		t.Errorf("/openapi.yaml while not ready: %d", rec.Code)
	}
	objection = nil
	if r := do(t, h, "GET", "/regions"); r.status != 200 || called != 1 {
		t.Errorf("once ready: %d, %d calls: %s", r.status, called, r.body)
	}
}

func TestBadInputIs400NamingTheParameter(t *testing.T) {
	called := false
	h := newAPI(httpapi.Deps{Discovery: fakeDiscovery{
		discover: func(context.Context, resourcequery.Query) (*resourcequery.Inventory, error) {
			called = true
			return nil, nil
		},
		regions: func(context.Context) ([]cloudscope.Region, error) { called = true; return nil, nil },
	}})
	for target, param := range map[string]string{
		"/resources?types=ec2,vpc":                     "types",
		"/resources?regions=mars-1":                    "regions",
		"/resources?foo=1":                             "foo",
		"/regions?all=true":                            "all",
		"/resources?regions=us-east-1&types=ec2&x=%00": "x",
	} {
		r := do(t, h, "GET", target)
		if r.status != 400 || r.env.Error == nil || r.env.Error.Param != param || !strings.Contains(r.env.Error.Message, param) {
			t.Errorf("%s: got %d %s, want 400 naming %q", target, r.status, r.body, param)
		}
	}
	if called {
		t.Error("discovery was called for a request that failed validation")
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	h := newAPI(httpapi.Deps{Discovery: fakeDiscovery{}})
	if r := do(t, h, "GET", "/nope"); r.status != 404 || r.env.Error.Code != "not_found" {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
	r := do(t, h, "DELETE", "/resources")
	if r.status != 405 || r.env.Error.Code != "method_not_allowed" || r.header.Get("Allow") != "GET, OPTIONS" {
		t.Errorf("wrong method: %d %v %s", r.status, r.header, r.body)
	}
	// A function that does not serve discovery does not answer its routes.
	// (Only a misrouted request meets this, so the document does not list it.)
	if r := serve(t, newAPI(httpapi.Deps{}), "GET", "/resources"); r.status != 404 || r.env.Error.Code != "not_found" {
		t.Errorf("route mounted without its service: %d", r.status)
	}
}

func TestRegions(t *testing.T) {
	h := newAPI(httpapi.Deps{Discovery: fakeDiscovery{regions: func(context.Context) ([]cloudscope.Region, error) {
		return []cloudscope.Region{{Name: "eu-west-1", OptInStatus: "opt-in-not-required"}, {Name: "me-south-1", OptInStatus: "opted-in"}}, nil
	}}})
	r := do(t, h, "GET", "/regions")
	if r.status != 200 || string(r.env.Data) != `{"regions":[{"name":"eu-west-1","opt_in_status":"opt-in-not-required"},{"name":"me-south-1","opt_in_status":"opted-in"}]}` {
		t.Errorf("got %d %s", r.status, r.body)
	}
}

func TestOpenAPIDocumentIsServed(t *testing.T) {
	rec := httptest.NewRecorder()
	newAPI(httpapi.Deps{}).ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.yaml", nil))
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), httpapi.OpenAPI) {
		t.Errorf("got %d", rec.Code)
	}
}

func TestLoopbackOnly(t *testing.T) {
	h := httpapi.LoopbackOnly(newAPI(httpapi.Deps{}))
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "localhost": 200,
		"evil.example:8080": 403, "192.0.2.7:8080": 403, "127.0.0.1.evil.example": 403} {
		req := httptest.NewRequest("GET", "/openapi.yaml", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

// newAPI is httpapi.New with GET /resources read live through the
// discovery fake, as a server without a stored scan reads it.
func newAPI(d httpapi.Deps) http.Handler {
	if live, ok := d.Discovery.(inventory.Discoverer); ok && d.Inventory == nil {
		d.Inventory = inventory.New(nil, live, inventory.Options{})
	}
	return httpapi.New(d)
}

// The waste types' details, every field set, conform to the OpenAPI document.
func TestResourcesOfTheWasteTypesConform(t *testing.T) {
	yes, at := true, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inv := &resourcequery.Inventory{Regions: []string{"us-east-1"}, Errors: []cloudscope.Failure{}, Resources: []cloudscope.Resource{
		{Type: cloudscope.Volume, ID: "vol-0123456789abcdef0", Region: "us-east-1", State: "in-use", CreatedAt: &at,
			Volume: &cloudscope.VolumeDetails{VolumeType: "gp3", SizeGB: 8, IOPS: 3000, ThroughputMBps: 125, AvailabilityZone: "us-east-1a",
				Encrypted: true, AttachedTo: []string{"i-1"}, Boot: true}},
		{Type: cloudscope.VolumeBackup, ID: "snap-0123456789abcdef0", Region: "us-east-1", State: "completed", CreatedAt: &at,
			VolumeBackup: &cloudscope.VolumeBackupDetails{VolumeID: "vol-1", SizeGB: 8, StorageTier: "standard", VolumeExists: &yes, Images: []string{"ami-1"}}},
		{Type: cloudscope.Address, ID: "eipalloc-1", Region: "us-east-1", State: "associated",
			Address: &cloudscope.AddressDetails{PublicIP: "198.51.100.1", AllocationID: "eipalloc-1", AssociationID: "eipassoc-1", InstanceID: "i-1",
				NetworkInterfaceID: "eni-1", Domain: "vpc"}},
		{Type: cloudscope.NATGateway, ID: "nat-1", Region: "us-east-1", State: "available",
			NATGateway: &cloudscope.NATGatewayDetails{VpcID: "vpc-1", SubnetID: "subnet-1", ConnectivityType: "public", PublicIPs: []string{"203.0.113.1"}}},
		{Type: cloudscope.LoadBalancer, ID: "app/shop/0123456789abcdef", Region: "us-east-1", State: "active",
			LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: "application", Scheme: "internet-facing", DNSName: "shop.example", VpcID: "vpc-1", Targets: 2, HealthyTargets: 1}},
		{Type: cloudscope.Table, ID: "orders", Region: "us-east-1", State: "ACTIVE",
			Table: &cloudscope.TableDetails{BillingMode: "PROVISIONED", ReadCapacityUnits: 5, WriteCapacityUnits: 5, ItemCount: 10, SizeBytes: 1000, TableClass: "STANDARD"}},
	}}
	h := newAPI(httpapi.Deps{Discovery: fakeDiscovery{discover: func(context.Context, resourcequery.Query) (*resourcequery.Inventory, error) { return inv, nil }}})
	r := do(t, h, "GET", "/resources?types=ebs,ebs-snapshot,eip,nat,elb,dynamodb")
	if r.status != 200 || !strings.Contains(string(r.body), `"healthy_targets":1`) || !strings.Contains(string(r.body), `"volume_exists":true`) {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
}
