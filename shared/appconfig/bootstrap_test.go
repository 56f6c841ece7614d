package appconfig

// Each deployed function, built as `make build` builds it, is a bootstrap
// under MaxBootstrapBytes that links only the AWS SDK services its
// manifest's grants say it calls. The Go linker keeps every imported SDK
// service package whole enough to matter (each runs the init of its
// schemas, 0.1 to 0.9 MB of bootstrap apiece), so "links" is "imports,
// directly or not": `go list -deps` tells it without building.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// MaxBootstrapBytes is the size every function's bootstrap stays under
// (linux/arm64, stripped): 15 MB.
const MaxBootstrapBytes = 15_000_000

// lambdaBuildFlags are the Makefile's GOFLAGS_LAMBDA, as go build takes them.
var lambdaBuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// overweight are the functions whose bootstrap is still at or over
// MaxBootstrapBytes, each with the size it must stay under until it is
// cured (its measured size rounded up to the next 50 kB). The test fails
// when one grows past its ceiling, and when one falls under
// MaxBootstrapBytes while still listed, so that the list only shrinks.
// Why they are over: every function links 13 of the 14 SDK services (see
// unneeded), because appconfig itself imports every capability -- Config
// holds discovery's, metrics', costs' and accounts' options, and
// Manifests' grants name dynamostore's, pricing's, instancetypes',
// s3items' and snsnotify's IAM actions -- and lambdaapp imports appconfig
// and httpapi (which imports scan, which imports discovery). Splitting
// shared/services alone took off only sfn (64 kB from scan, plan and
// shard: shared/services/bottlenecksapi); the cure is
// moving Manifests and the option types' parsing out of appconfig.
var overweight = map[string]int64{
	"discovery":   15_300_000,
	"metrics":     15_300_000,
	"bottlenecks": 16_980_000, // 128 KiB more with every scan on the engine (the live view's plan in memory)
	"digest":      15_800_000,
	"plan":        15_470_000, // 64 KiB more: the plan asks whether its scan is stored already
	"shard":       15_750_000,
	"finalize":    16_130_000, // 64 KiB more with the one-account cost summary in the finalize
}

// unneeded are the SDK services a function links without calling them,
// because appconfig and lambdaapp import every capability (see
// overweight); only the bottlenecks function's builder
// (shared/services/bottlenecksapi) links Step Functions. The test fails
// when a function links a service neither its grants nor this list name, and when a listed one is
// no longer linked, so that the list only shrinks.
var unneeded = map[string][]string{
	"discovery":   {"cloudwatch", "costexplorer", "organizations", "pricing", "sns"},
	"metrics":     {"costexplorer", "dynamodb", "elasticloadbalancing", "elasticloadbalancingv2", "lambda", "organizations", "pricing", "rds", "s3", "sns"},
	"costs":       {"cloudwatch", "ec2", "elasticloadbalancing", "elasticloadbalancingv2", "lambda", "organizations", "pricing", "rds", "s3", "sns"},
	"bottlenecks": {"organizations", "sns"},
	"digest":      {"cloudwatch", "ec2", "elasticloadbalancing", "elasticloadbalancingv2", "lambda", "organizations", "pricing", "rds", "s3"},
	"plan":        {"cloudwatch", "costexplorer", "elasticloadbalancing", "elasticloadbalancingv2", "lambda", "pricing", "rds", "sns"},
	"shard":       {"costexplorer", "organizations", "sns"},
	"finalize":    {"cloudwatch", "ec2", "elasticloadbalancing", "elasticloadbalancingv2", "lambda", "organizations", "rds", "s3"},
}

// sdkServicesOf are the SDK service packages that calling an IAM service
// prefix's actions takes (the two load balancer APIs share one prefix).
var sdkServicesOf = map[string][]string{
	"ec2": {"ec2"}, "rds": {"rds"}, "lambda": {"lambda"}, "s3": {"s3"}, "cloudwatch": {"cloudwatch"},
	"ce": {"costexplorer"}, "pricing": {"pricing"}, "dynamodb": {"dynamodb"}, "sns": {"sns"},
	"sts": {"sts"}, "organizations": {"organizations"}, "states": {"sfn"},
	"elasticloadbalancing": {"elasticloadbalancing", "elasticloadbalancingv2"},
}

// calledServices are the SDK services m's grants say its function calls:
// the prefixes of its account actions, DynamoDB for a table, SNS for a
// topic, S3 for the plan bucket, Lambda to invoke the scan, Step Functions
// to start the state machine, and STS always (GetCallerIdentity needs no
// grant; AssumeRole takes the member role). The dead-letter queue and the
// topic's key are used by Lambda and SNS, not by the function's code.
func calledServices(t *testing.T, m Manifest) []string {
	prefixes := []string{"sts"}
	for _, a := range m.Grants.Account {
		prefix, _, _ := strings.Cut(a, ":")
		prefixes = append(prefixes, prefix)
	}
	add := func(ok bool, prefix string) {
		if ok {
			prefixes = append(prefixes, prefix)
		}
	}
	add(len(m.Grants.Table) > 0, "dynamodb")
	add(len(m.Grants.Topic) > 0, "sns")
	add(len(m.Grants.PlanBucket) > 0, "s3")
	add(m.Grants.StartsScanMachine, "states")
	var out []string
	for _, p := range prefixes {
		svcs, ok := sdkServicesOf[p]
		if !ok {
			t.Errorf("%s: grants name the IAM prefix %q, which sdkServicesOf does not map to an SDK service", m.Name, p)
		}
		out = append(out, svcs...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// linkedServices are the AWS SDK service packages function name imports
// when built for Lambda. It also holds the function to its configuration
// from the Lambda environment: the SDK's config package (and the SSO
// clients it brings) is not linked.
func linkedServices(t *testing.T, name string) []string {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "../../functions/"+name).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", name, err)
	}
	var svcs []string
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/aws/aws-sdk-go-v2/config" {
			t.Errorf("%s links the SDK's config package: a function's configuration is awsconf.FromEnvironment's", name)
		}
		rest, ok := strings.CutPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/")
		if ok && !strings.Contains(rest, "/") {
			svcs = append(svcs, rest)
		}
	}
	slices.Sort(svcs)
	return svcs
}

func TestFunctionsLinkOnlyTheServicesTheyCall(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, m := range Manifests {
		called, linked := calledServices(t, m), linkedServices(t, m.Name)
		known := unneeded[m.Name]
		for _, s := range linked {
			if !slices.Contains(called, s) && !slices.Contains(known, s) {
				t.Errorf("%s links the SDK's %s, which its grants do not call (linked: %v)", m.Name, s, linked)
			}
		}
		for _, s := range known {
			if !slices.Contains(linked, s) {
				t.Errorf("%s no longer links %s: take it off unneeded", m.Name, s)
			} else if slices.Contains(called, s) {
				t.Errorf("%s calls %s (its grants say so): take it off unneeded", m.Name, s)
			}
		}
		t.Logf("%-12s links %v", m.Name, linked)
	}
}

func TestBootstrapsStayUnder15MB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function for linux/arm64")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(makefile), `GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags=-s\ -w`+"\n") {
		t.Fatal("the Makefile's GOFLAGS_LAMBDA is not the flags this test builds with (lambdaBuildFlags)")
	}
	dir := t.TempDir()
	for _, m := range Manifests {
		out := filepath.Join(dir, m.Name)
		cmd := exec.Command("go", append(append([]string{"build"}, lambdaBuildFlags...), "-o", out, "../../functions/"+m.Name)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", m.Name, err, msg)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		size := fi.Size()
		t.Logf("%-12s %6.2f MB", m.Name, float64(size)/1e6)
		switch ceiling, over := overweight[m.Name]; {
		case over && size < MaxBootstrapBytes:
			t.Errorf("%s is %d bytes, under %d: take it off overweight", m.Name, size, MaxBootstrapBytes)
		case over && size >= ceiling:
			t.Errorf("%s is %d bytes, past its ceiling of %d (and the goal of %d)", m.Name, size, ceiling, MaxBootstrapBytes)
		case !over && size >= MaxBootstrapBytes:
			t.Errorf("%s is %d bytes, not under %d", m.Name, size, MaxBootstrapBytes)
		}
	}
}
