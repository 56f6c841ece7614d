package main

// The dashboard in a real browser: headless Chromium, driven by
// playwright-core from testdata/dashboard.test.mjs, against `cloudscope
// serve`'s handler on the seeded emulator. This file prepares the account and
// what the page must show; the script drives the page and checks it.

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/browsertest"
)

// failingRegion is a region whose EC2 calls are denied, so that the page
// must show a partial failure; the demo has nothing there.
const failingRegion = "sa-east-1"

// expectations are what the page must show, worked out from the seeded
// demo account rather than read from the page's own API where possible.
type expectations struct {
	FailingRegion string `json:"failing_region"`
	// Resources are the first scan's, which the page shows first; a live
	// read adds AddedBucket.
	FirstScan   string             `json:"first_scan"`
	Resources   []expectedResource `json:"resources"`
	Metric      expectedMetric     `json:"metric"`
	CostTotal   string             `json:"cost_total_cents"`
	CostGroups  int                `json:"cost_groups"`
	Findings    []expectedFinding  `json:"findings"`
	AddedBucket string             `json:"added_bucket"`
}

type expectedResource struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Region string `json:"region"`
	Name   string `json:"name"`
}

type expectedMetric struct {
	Type   string  `json:"type"`
	Region string  `json:"region"`
	ID     string  `json:"id"`
	Metric string  `json:"metric"`
	Unit   string  `json:"unit"`
	Points []point `json:"points"`
}

type point struct {
	T int64   `json:"t"` // Unix milliseconds
	V float64 `json:"v"`
}

type expectedFinding struct {
	Rule      string  `json:"rule"`
	Resource  string  `json:"resource"`
	Threshold float64 `json:"threshold"`
}

func TestDashboardInABrowser(t *testing.T) {
	if err := dashboard.Check(); err != nil {
		t.Fatal(err)
	}
	emulator.Reset(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	defer func() {
		cancel()
		<-served // nothing may log to t after the test
	}()

	// The demo's Price List: recorded list prices, named before the clients are made.
	stopPrices, err := recordedPrices(&environment{log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer stopPrices()
	denied := awsstub.Fail(func(c awsstub.Call) bool { return c.Region == failingRegion && c.Service == "EC2" },
		awsstub.APIError("UnauthorizedOperation", "You are not authorized to perform this operation."))
	clients, err := demo.Clients(ctx, emulator.URL, denied)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	seeded, err := demo.SeedAll(ctx, clients, now, t.Logf)
	if err != nil {
		t.Fatal(err)
	}

	conf, err := appconfig.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	conf.Metrics.NoPercentiles = true // moto cannot compute them
	conf.RegionsAtOnce = 1            // moto computes one GetMetricData at a time
	conf.PricesOff = false            // the Price List is the stand-in named above (moto has none)
	env := &environment{conf: conf, log: testLogger(t), stdout: os.Stderr, stderr: os.Stderr}
	urls := make(chan string, 1)
	go func() { served <- listenAndServe(ctx, env, "127.0.0.1:0", clients, nil, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-served:
		served <- err
		t.Fatal(err)
	}

	// A first scan, then a bucket more: the page shows the first scan until
	// "Refresh from AWS", its "Scan now" makes the second snapshot, and
	// History must show the bucket as added.
	scanID := firstScan(t, base)
	if _, err := s3client.In(clients, "us-east-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(addedBucket)}); err != nil {
		t.Fatal(err)
	}

	want := expect(t, seeded, now, base)
	want.FirstScan = scanID
	dir := t.TempDir()
	expectFile := filepath.Join(dir, "expect.json")
	raw, _ := json.Marshal(want)
	if err := os.WriteFile(expectFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("CLOUDSCOPE_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(browsertest.Root(), "build", "screenshots")
	}
	browsertest.Run(t, "testdata/dashboard.test.mjs", "BASE_URL="+base, "EXPECT="+expectFile, "SCREENSHOTS="+shots)
	t.Logf("screenshots in %s", shots)
}

// expect works out what the page must show from the seeded account.
func expect(t *testing.T, seeded *demo.Seeded, now time.Time, base string) expectations {
	t.Helper()
	e := expectations{FailingRegion: failingRegion}
	for _, in := range demo.Default.Instances {
		e.Resources = append(e.Resources, expectedResource{"ec2", seeded.InstanceIDs[in.Name], in.Region, in.Name})
	}
	for _, db := range demo.Default.Databases {
		e.Resources = append(e.Resources, expectedResource{"rds", db.ID, db.Region, ""}) // no Name tag
	}
	for _, b := range demo.Default.Buckets {
		e.Resources = append(e.Resources, expectedResource{"s3", b.Name, b.Region, b.Name})
	}
	for _, f := range demo.Default.Functions {
		e.Resources = append(e.Resources, expectedResource{"lambda", f.Name, f.Region, f.Name})
	}
	for _, r := range seeded.Waste {
		e.Resources = append(e.Resources, expectedResource{string(r.Type), r.ID, r.Region, r.Name})
	}

	id := seeded.InstanceIDs["batch-worker"]
	e.Metric = expectedMetric{Type: "ec2", Region: "us-east-1", ID: id, Metric: "CPUUtilization", Unit: "Percent"}
	for _, p := range demo.Datapoints(seeded, now) {
		if p.Metric == "CPUUtilization" && p.Dimensions["InstanceId"] == id {
			e.Metric.Points = append(e.Metric.Points, point{p.Time.UnixMilli(), p.Value})
		}
	}

	// The cost total is the API's, to the cent: this request fills the cost
	// cache, which the page's identical request then reads.
	resp, err := http.Get(base + "/costs?days=30&group_by=SERVICE&granularity=DAILY")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Total  cloudscope.Amount `json:"total"`
			Groups []any             `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /costs: %d %v", resp.StatusCode, err)
	}
	e.CostTotal, e.CostGroups = body.Data.Total.Cents(), len(body.Data.Groups)

	e.AddedBucket = addedBucket

	d, ids := bottleneck.Defaults, seeded.InstanceIDs
	e.Findings = []expectedFinding{ // the demo's hot and idle resources
		{"ec2.high_cpu", ids["batch-worker"], d.HighCPUPercent},
		{"ec2.sustained_high_cpu", ids["batch-worker"], d.SustainedCPUPercent},
		{"ec2.underutilised", ids["legacy-reporting"], d.UnderutilisedCPUPercent},
		// Oversized, with the CloudWatch agent's memory: half its size fits
		// (the emulator has no Price List, so the same family's smaller size).
		{"ec2.rightsize", ids["legacy-reporting"], d.RightsizeHeadroomPercent},
		{"rds.idle", "reporting-db", 0},
		{"lambda.throttled", "order-webhook", 0},
	}
	return e
}

// addedBucket is created between the two scans.
const addedBucket = "cloudscope-demo-added-later"

// firstScan starts a scan through the API and follows it on GET /scans/{id}
// until it is done, failing at once if the scan fails; it returns the scan's id.
func firstScan(t testing.TB, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/scans", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		Data struct {
			ScanID string `json:"scan_id"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /scans: %d %v", resp.StatusCode, err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/scans/" + started.Data.ScanID)
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Data cloudscope.ScanStatus }
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /scans/%s: %d %v", started.Data.ScanID, resp.StatusCode, err)
		}
		switch st.Data.State {
		case cloudscope.StateDone:
			return started.Data.ScanID
		case cloudscope.StateFailed:
			t.Fatalf("the first scan failed: %s", st.Data.Error)
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("scan %s did not finish in 5 minutes", started.Data.ScanID)
	return ""
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(browsertest.Log(t), &slog.HandlerOptions{Level: slog.LevelWarn}))
}
