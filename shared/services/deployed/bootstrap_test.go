package deployed

// Each deployed function, built as `make build` builds it, is a bootstrap
// under MaxBootstrapBytes that links exactly the AWS SDK services its
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

	"github.com/cloudscope/cloudscope/shared/appconfig"
)

// MaxBootstrapBytes is the size every function's bootstrap stays under
// (linux/arm64, stripped): 15 MB.
const MaxBootstrapBytes = 15_000_000

// lambdaBuildFlags are the Makefile's GOFLAGS_LAMBDA, as go build takes them.
var lambdaBuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// overweight are the functions whose bootstrap is still at or over
// MaxBootstrapBytes, each with the size it must stay under until it is
// cured. None is now: the bottlenecks function's live view runs its shards
// on the shard function (shared/shardinvoke) instead of linking a whole
// scan. The test fails when one grows past its ceiling, and when one falls
// under MaxBootstrapBytes while still listed, so that the list only
// shrinks. A bootstrap grows in 64 KiB steps (its segments are aligned to
// 64 KiB): a few kB of code can cross one.
//
// What weighs is the SDK (see TestFunctionsLinkOnlyTheServicesTheyCall).
// Sizes of each service's symbols in a non-stripped linux/arm64 build
// (`go tool nm -size`, summed by package): RDS 686-696 kB, DynamoDB
// 476-496 kB, EC2 413-421 kB, Lambda 395-407 kB, S3 321-325 kB, ELBv2
// 284-290 kB, Organizations 233 kB, CloudWatch 225-228 kB, ELB 166-169 kB,
// SNS 156 kB, Cost Explorer 115-132 kB, STS 122-125 kB, Step Functions
// 104 kB, Price List 89-91 kB; the SDK's core and smithy 355 kB,
// cloudscope's own code 320-586 kB; each distinct element type sorted
// with slices.SortFunc about 7 kB more.
var overweight = map[string]int64{}

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
// topic, S3 for the plan bucket, Lambda to invoke the shard function, Step
// Functions to start the state machine, and STS always (GetCallerIdentity needs no
// grant; AssumeRole takes the member role). The dead-letter queue and the
// topic's key are used by Lambda and SNS, not by the function's code.
func calledServices(t *testing.T, m appconfig.Manifest) []string {
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
	add(m.Grants.InvokesShards, "lambda")
	// Reading the organization's costs finds its management account
	// (organizations:DescribeOrganization, which the stack grants a
	// function that reads Cost Explorer and the accounts setting).
	add(slices.Contains(m.Grants.Account, "ce:GetCostAndUsage") && slices.Contains(m.Reads(), appconfig.EnvAccounts), "organizations")
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
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "../../../functions/"+name).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", name, err)
	}
	var svcs []string
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/aws/aws-sdk-go-v2/config" {
			t.Errorf("%s links the SDK's config package: a function's configuration is awsconf.FromEnvironment's", name)
		}
		// A service's types package counts: it brings the service's
		// schemas, most of what the service weighs.
		rest, ok := strings.CutPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/")
		if svc, _, _ := strings.Cut(rest, "/"); ok && svc != "internal" {
			svcs = append(svcs, svc)
		}
	}
	slices.Sort(svcs)
	return slices.Compact(svcs)
}

// TestFunctionsLinkOnlyTheServicesTheyCall: a function links exactly the
// SDK services its grants call, no more (its builder's package imports only
// what it uses) and no fewer (its grants name nothing it does not call).
func TestFunctionsLinkOnlyTheServicesTheyCall(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, m := range Manifests {
		called, linked := calledServices(t, m), linkedServices(t, m.Name)
		if !slices.Equal(called, linked) {
			t.Errorf("%s links the SDK services %v; its grants call %v", m.Name, linked, called)
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
	makefile, err := os.ReadFile(filepath.Join("..", "..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(makefile), `GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags=-s\ -w`+"\n") {
		t.Fatal("the Makefile's GOFLAGS_LAMBDA is not the flags this test builds with (lambdaBuildFlags)")
	}
	dir := t.TempDir()
	for _, m := range Manifests {
		out := filepath.Join(dir, m.Name)
		cmd := exec.Command("go", append(append([]string{"build"}, lambdaBuildFlags...), "-o", out, "../../../functions/"+m.Name)...)
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
