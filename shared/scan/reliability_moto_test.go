package scan_test

// Reliability against moto: scans never run two at once, and a scan that
// read nothing never replaces the latest snapshot.

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

// seededAccount is the demo account on moto with the table and a topic
// whose messages an SQS queue collects.
func seededAccount(t *testing.T, opts awsconf.Options) (*awsconf.Clients, appconfig.Config, func() []map[string]any) {
	t.Helper()
	scan.Moto().Reset(t)
	ctx := context.Background()
	clients := awsconf.NewClients(scan.Moto().Config(t, "us-east-1", opts))
	if _, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf); err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	topic, receive := topicWithQueue(t, clients)
	conf, err := appconfig.From(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	conf.Table, conf.TopicARN = "cloudscope", topic
	conf.Metrics.NoPercentiles = true // moto answers percentiles with HTTP 500
	conf.RegionsAtOnce = 1            // moto computes one GetMetricData at a time
	conf.PricesOff = true             // moto has no Price List
	return clients, conf, receive
}

// api serves the routes as `cloudscope serve` does, scans in the background.
func api(t *testing.T, conf appconfig.Config, clients *awsconf.Clients) http.Handler {
	store, err := services.Store(conf, clients, nil)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := services.PartStore(store)
	if err != nil {
		t.Fatal(err)
	}
	engine := services.Engine(conf, clients, store, parts, services.Costs(conf, clients, nil), nil, nil)
	start := func(*scan.Scanner) func(context.Context, string) error {
		return engine.InBackground(t.Context(), 5*time.Minute, func(id string, err error) { t.Logf("scan %s: %v", id, err) })
	}
	return httpapi.New(services.All(conf, clients, store, nil, nil, start))
}

func call(t *testing.T, h http.Handler, method, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var env struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	return rec.Code, env.Data
}

// waitDone follows GET /scans/{id} until the scan is done or failed.
func waitDone(t *testing.T, h http.Handler, id string) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if code, st := call(t, h, "GET", "/scans/"+id); code == 200 && (st["state"] == "done" || st["state"] == "failed") {
			return st["state"].(string)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("scan %s did not finish", id)
	return ""
}

// Two POST /scans at the same moment: one scan runs, both callers follow
// it, and its findings are told once.
func TestMotoTwoScanRequestsAtOnceMakeOneScanAndOneMessage(t *testing.T) {
	clients, conf, receive := seededAccount(t, awsconf.Options{})
	h := api(t, conf, clients)

	var wg sync.WaitGroup
	answers := make([]map[string]any, 2)
	for i := range answers {
		wg.Go(func() {
			code, data := call(t, h, "POST", "/scans")
			if code != http.StatusAccepted {
				t.Errorf("POST /scans: %d %v", code, data)
			}
			answers[i] = data
		})
	}
	wg.Wait()
	if answers[0]["scan_id"] == nil || answers[0]["scan_id"] != answers[1]["scan_id"] {
		t.Fatalf("two scans were started: %v", answers)
	}
	statuses := []any{answers[0]["status"], answers[1]["status"]}
	if !(statuses[0] == "started" && statuses[1] == "already_running" || statuses[0] == "already_running" && statuses[1] == "started") {
		t.Errorf("statuses %v; want one started and one already_running", statuses)
	}
	id := answers[0]["scan_id"].(string)
	if state := waitDone(t, h, id); state != "done" {
		t.Fatalf("the scan ended %s", state)
	}
	_, list := call(t, h, "GET", "/snapshots")
	if hs, _ := list["snapshots"].([]any); len(hs) != 1 {
		t.Errorf("%d snapshots after two requests, want 1", len(hs))
	}
	if msgs := receive(); len(msgs) != 1 {
		t.Errorf("%d messages, want 1", len(msgs))
	}
	// Once it is done, the next request starts a new scan.
	if code, data := call(t, h, "POST", "/scans"); code != http.StatusAccepted || data["status"] != "started" || data["scan_id"] == id {
		t.Errorf("after the scan: %d %v", code, data)
	} else {
		waitDone(t, h, data["scan_id"].(string))
	}
}

// CloudWatch gone during the metrics step: the scan is failed, the latest
// snapshot and /bottlenecks are unchanged, and the next scan succeeds.
func TestMotoEndpointGoneDuringMetricsChangesNothing(t *testing.T) {
	var down atomic.Bool
	gone := func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("cloudwatchGone",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if down.Load() && awsmiddleware.GetServiceID(ctx) == "CloudWatch" {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
	clients, conf, receive := seededAccount(t, awsconf.Options{APIOptions: []func(*middleware.Stack) error{gone}, MaxAttempts: 2})
	h := api(t, conf, clients)
	ctx := context.Background()
	store, err := services.Store(conf, clients, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := services.Scanner(conf, clients, store, services.Costs(conf, clients, nil), nil, nil)

	if _, err := sc.Run(ctx, "good-1", demo.Regions); err != nil {
		t.Fatal(err)
	}
	_, before := call(t, h, "GET", "/bottlenecks")
	if before["snapshot_id"] != "good-1" || len(before["findings"].([]any)) == 0 {
		t.Fatalf("/bottlenecks after the first scan: %v findings of %v", len(before["findings"].([]any)), before["snapshot_id"])
	}
	first := receive()

	down.Store(true)
	res, err := sc.Run(ctx, "gone", demo.Regions)
	if err == nil || res == nil || !res.Snapshot.Failed() || res.Snapshot.FailedStep != "metrics" {
		t.Fatalf("a scan without CloudWatch: %v %+v", err, res)
	}
	if code, st := call(t, h, "GET", "/scans/gone"); code != 200 || st["state"] != "failed" {
		t.Errorf("its status: %d %v", code, st)
	}
	_, after := call(t, h, "GET", "/bottlenecks")
	a, _ := json.Marshal(before)
	b, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Errorf("/bottlenecks changed after the failed scan: %v -> %v", before["snapshot_id"], after["snapshot_id"])
	}
	if code, kept := call(t, h, "GET", "/snapshots/gone"); code != 200 || kept["outcome"] != cloudscope.OutcomeFailed {
		t.Errorf("the failed scan is not kept for inspection: %d %v", code, kept["outcome"])
	}
	if msgs := receive(); len(msgs) != 0 {
		t.Errorf("the failed scan sent %d messages", len(msgs))
	}

	down.Store(false)
	res, err = sc.Run(ctx, "good-2", demo.Regions)
	if err != nil || res.Snapshot.Failed() {
		t.Fatalf("the next scan: %v", err)
	}
	_, diff := call(t, h, "GET", "/snapshots/good-2/diff")
	if diff["base"] != "good-1" {
		t.Errorf("the diff's base is %v, want good-1 (never the failed scan)", diff["base"])
	}
	if msgs := receive(); len(msgs) != 0 || len(first) != 1 {
		t.Errorf("messages: %d for the first scan, %d after recovering; want 1 and 0", len(first), len(msgs))
	}
}
