package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/browsertest"
)

// The two accounts of the stored snapshot the page reads.
const pageAccountA, pageAccountB = "111111111111", "222222222222"

// twoAccountScan is a stored scan of an organization of two accounts: the
// same instance id in both, a bucket in each, and a finding in each.
func twoAccountScan(id string, at time.Time) *cloudscope.Snapshot {
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: at.Add(-time.Minute), FinishedAt: at,
		Regions: []string{"us-east-1"}, Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyNone,
		Outcome: cloudscope.OutcomeComplete}, Insufficient: []cloudscope.Insufficient{}}
	for _, acct := range []string{pageAccountA, pageAccountB} {
		s.Resources = append(s.Resources,
			cloudscope.Resource{AccountID: acct, Type: cloudscope.EC2, ID: "i-0123456789abcdef0", Name: "web", Region: "us-east-1", State: "running",
				EC2: &cloudscope.EC2Details{InstanceType: "t3.micro"}},
			cloudscope.Resource{AccountID: acct, Type: cloudscope.S3, ID: "logs-" + acct, Name: "logs-" + acct, Region: "us-east-1"})
		s.Findings = append(s.Findings, cloudscope.Finding{ID: "ec2.high_cpu/ec2/us-east-1/i-0123456789abcdef0", AccountID: acct, Rule: "ec2.high_cpu",
			Severity: cloudscope.Warning, Title: "CPU above 90%", ResourceType: cloudscope.EC2, ResourceID: "i-0123456789abcdef0", Region: "us-east-1",
			Observed: map[string]float64{"max_cpu_percent": 97}, Threshold: cloudscope.Threshold{Value: 90, Op: ">", Unit: "Percent", Source: "test"},
			Window: cloudscope.Window{Start: at.Add(-time.Hour), End: at}, Evidence: []cloudscope.Point{}, Recommendation: "Move it to a larger size."})
	}
	s.Counts.CountResources(s.Resources)
	s.Counts.Findings = len(s.Findings)
	return s
}

// The account selector in a real browser: a stored scan of two accounts
// shows the selector and an account column, and choosing an account
// filters the resources table and the findings.
func TestDashboardAccountsInABrowser(t *testing.T) {
	if err := dashboard.Check(); err != nil {
		t.Fatal(err)
	}
	emulator.Reset(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	defer func() {
		cancel()
		<-served
	}()
	clients, err := demo.Clients(ctx, emulator.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The scan before had no bucket in account B yet, and A's finding was
	// less severe: the diff counts one resource added in B, one finding
	// worse in A.
	store := memstore.New()
	before := twoAccountScan("org-scan-1", time.Now().Add(-24*time.Hour))
	before.Resources = slices.DeleteFunc(before.Resources, func(r cloudscope.Resource) bool {
		return r.AccountID == pageAccountB && r.Type == cloudscope.S3
	})
	before.Findings[0].Severity = cloudscope.Info
	before.Counts.CountResources(before.Resources)
	for _, s := range []*cloudscope.Snapshot{before, twoAccountScan("org-scan-2", time.Now().Add(-10*time.Minute))} {
		if err := store.Save(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	conf, err := appconfig.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := &environment{conf: conf, log: testLogger(t), stdout: os.Stderr, stderr: os.Stderr, local: services.Local{Store: store}}
	urls := make(chan string, 1)
	go func() { served <- listenAndServe(ctx, env, "127.0.0.1:0", clients, nil, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-served:
		served <- err
		t.Fatal(err)
	}
	expectFile := filepath.Join(t.TempDir(), "expect.json")
	raw, _ := json.Marshal(map[string]any{"accounts": []string{pageAccountA, pageAccountB}, "per_account": 2})
	if err := os.WriteFile(expectFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, "testdata/accounts.test.mjs", "BASE_URL="+base, "EXPECT="+expectFile, "SCREENSHOTS="+os.Getenv("CLOUDSCOPE_SCREENSHOTS"))
}
