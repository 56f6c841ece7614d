package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var emulator *mototest.Server

func TestMain(m *testing.M) {
	// The default state file goes under the user's state directory: not a
	// test's. Each test that keeps state names its own file.
	dir, err := os.MkdirTemp("", "cloudscope-state")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	code := mototest.Main(m, &emulator)
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the command line in-process with the environment pointing at moto.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for _, kv := range emulator.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"resources", "--nope"}, {"serve", "extra"}} {
		if code, _, stderr := cli(t, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, stderr)
		}
	}
	if code, _, _ := cli(t, "--help"); code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	// A bad accounts setting is refused before any AWS call, saying what is wanted.
	for _, args := range [][]string{{"scan", "--accounts", "organisation"}, {"serve", "--accounts", "org:r-1234"}} {
		if code, _, stderr := cli(t, args...); code != 2 || !strings.Contains(stderr, "accounts") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the setting", args, code, stderr)
		}
	}
}

func TestResourcesAgainstTheDemoAccount(t *testing.T) {
	emulator.Reset(t)
	if code, _, stderr := cli(t, "seed-demo"); code != 0 {
		t.Fatalf("seed-demo: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := cli(t, "resources", "--regions", "eu-west-1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"TYPE", "legacy-reporting", "m5.xlarge", "reporting-db", "db.t3.medium 100GB", "cloudscope-demo-invoices-eu", "invoice-pdf", "512MB",
		"9 resources in 1 region (2 ec2, 1 rds, 1 s3, 1 lambda, 3 ebs, 1 elb)", "gp2 300GB on", "classic 1/1 healthy"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "web-1") {
		t.Errorf("table shows a us-east-1 instance:\n%s", stdout)
	}

	code, stdout, _ = cli(t, "resources", "--types", "s3", "--json", "--regions", "us-east-1,ap-southeast-2")
	var inv struct {
		Resources []struct{ ID, Region string }
	}
	if err := json.Unmarshal([]byte(stdout), &inv); code != 0 || err != nil || len(inv.Resources) != 2 {
		t.Errorf("--json: exit %d, %v, %+v", code, err, inv)
	}

	code, _, stderr = cli(t, "resources", "--types", "vpc")
	if code != 1 || !strings.Contains(stderr, `unknown resource type "vpc"`) {
		t.Errorf("bad type: exit %d: %s", code, stderr)
	}
}

func TestMetricsTable(t *testing.T) {
	emulator.Reset(t)
	if code, _, stderr := cli(t, "seed-demo"); code != 0 {
		t.Fatalf("seed-demo: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := cli(t, "metrics", "--type", "rds", "--ids", "orders-db,reporting-db", "--region", "us-east-1", "--hours", "24")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"RESOURCE", "CPUUtilization", "Average", "FreeStorageSpace", "GiB",
		"(no data in this window)", "us-east-1, "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^orders-db +CPUUtilization +Average +Percent +2[34] `).MatchString(stdout) ||
		!regexp.MustCompile(`(?m)^reporting-db +\(no data in this window\)`).MatchString(stdout) {
		t.Errorf("rows are not as expected:\n%s", stdout)
	}
	if code, _, stderr := cli(t, "metrics", "--type", "ec2", "--ids", "web-1"); code != 1 || !strings.Contains(stderr, "is not an instance id") {
		t.Errorf("bad id: exit %d: %s", code, stderr)
	}
}

func TestCostsTable(t *testing.T) {
	emulator.Reset(t)
	if code, _, stderr := cli(t, "seed-demo"); code != 0 {
		t.Fatalf("seed-demo: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := cli(t, "costs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^ *SERVICE +AMOUNT \(USD\) +SHARE`).MatchString(stdout) ||
		!regexp.MustCompile(`(?m)^ *Amazon Elastic Compute Cloud - Compute +[0-9]+\.[0-9]{2} +[0-9.]+%`).MatchString(stdout) ||
		!regexp.MustCompile(`(?m)^ *TOTAL +[0-9]+\.[0-9]{2}`).MatchString(stdout) || !strings.Contains(stdout, "2 period(s) still estimated") {
		t.Errorf("table:\n%s", stdout)
	}
	if !strings.Contains(stderr, "2 Cost Explorer request(s)") {
		t.Errorf("the billed requests are not reported: %s", stderr)
	}
	if code, _, stderr := cli(t, "costs", "--group-by", "AZ"); code != 1 || !strings.Contains(stderr, "group_by") {
		t.Errorf("bad group: exit %d: %s", code, stderr)
	}
}

func TestSeedDemoRefusesARealAccount(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	var out, errb bytes.Buffer
	if code := run([]string{"seed-demo"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "only to an emulator") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	t.Setenv("AWS_ENDPOINT_URL", "https://ec2.example.com")
	errb.Reset()
	if code := run([]string{"seed-demo"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "loopback") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	// A service-specific endpoint does not send a call elsewhere: the
	// emulator's address is set explicitly and wins (and the seeding clients'
	// loopback guard, tested in shared/demo, would stop it anyway).
	emulator.Reset(t)
	t.Setenv("AWS_ENDPOINT_URL", emulator.URL)
	t.Setenv("AWS_ENDPOINT_URL_EC2", "https://ec2.example.com")
	errb.Reset()
	if code := run([]string{"seed-demo"}, &out, &errb); code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}
