package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/services/deployed"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
	"github.com/cloudscope/cloudscope/shared/shardinvoke"
)

// The stack is synthesized once for every test: a synth costs seconds.
var (
	stack     awscdk.Stack
	template  assertions.Template
	resources map[string]map[string]any // logical id -> resource
)

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		dir, err := os.MkdirTemp("", "cloudscope-assets-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		assets, web := placeholders(dir)
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
			"cloudscope:assetDir": assets, "cloudscope:dashboardDir": web, "cloudscope:alertEmail": "ops@example.com", "cloudscope:chatTopic": "true",
			// A scan of the organization: the state machine and the member role's StackSet (fleet_test.go).
			"cloudscope:accounts": "org", "cloudscope:orgId": testOrgID, "cloudscope:memberOUs": strings.Join(testOUs, ","),
			"cloudscope:shardConcurrency": 250, "cloudscope:toleratedFailurePercent": "5"}})
		settings, err := SettingsFrom(app)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		stack = NewStack(app, "Cloudscope", &StackProps{Settings: settings})
		template = assertions.Template_FromStack(stack, nil)
		raw, _ := json.Marshal(template.ToJSON())
		var doc struct{ Resources map[string]map[string]any }
		if err := json.Unmarshal(raw, &doc); err != nil {
			panic(err)
		}
		resources = doc.Resources
		return m.Run()
	}()
	os.Exit(code)
}

// placeholders writes what make build and make web would leave under dir:
// each function's bootstrap and the page's two required files. Synthesis
// only hashes and copies them.
func placeholders(dir string) (assets, web string) {
	assets, web = filepath.Join(dir, "build"), filepath.Join(dir, "web")
	for _, fn := range Functions {
		_ = os.MkdirAll(filepath.Join(assets, fn), 0o755)
		_ = os.WriteFile(filepath.Join(assets, fn, "bootstrap"), []byte(fn), 0o755)
	}
	_ = os.MkdirAll(filepath.Join(web, "vendor"), 0o755)
	_ = os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html>\n"), 0o644)
	_ = os.WriteFile(filepath.Join(web, "vendor", "chart.umd.js"), []byte("// chart.js\n"), 0o644)
	return assets, web
}

func ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range resources {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

// logicalID is the logical id of the resource at a construct path in st.
func logicalID(t *testing.T, st awscdk.Stack, path ...string) string {
	t.Helper()
	var c constructs.IConstruct = st
	for _, id := range path {
		if c = c.Node().TryFindChild(jsii.String(id)); c == nil {
			t.Fatalf("no construct %v", path)
		}
	}
	if d := c.Node().DefaultChild(); d != nil {
		c = d
	}
	return *st.GetLogicalId(c.(awscdk.CfnElement))
}

// routesOf is the routes of one API by route key ("GET /regions").
func routesOf(api string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range ofType("AWS::ApiGatewayV2::Route") {
		if p := props(r); flat(p["ApiId"]) == "${"+api+"}" {
			out[fmt.Sprint(p["RouteKey"])] = p
		}
	}
	return out
}

// flat renders a CloudFormation value as text: Fn::Join joined, a Ref as
// ${Id}, a GetAtt as ${Id.Attribute}, Fn::Sub as its template.
func flat(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, flat(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if r, ok := x["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok && len(g) == 2 {
			return fmt.Sprintf("${%v.%v}", g[0], g[1])
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			return sub
		}
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// check turns an assertion panic into a test failure, so one failure does not stop the rest.
func check(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

func TestEveryRouteNeedsIAMAndMatchesTheOpenAPIDocument(t *testing.T) {
	iam := routesOf(logicalID(t, stack, "Api", "Api"))
	if len(iam) != len(Routes) {
		t.Errorf("the IAM API has %d routes, want %d", len(iam), len(Routes))
	}
	var keys []string
	for key, p := range iam {
		if p["AuthorizationType"] != "AWS_IAM" {
			t.Errorf("route %v has authorization %v", key, p["AuthorizationType"])
		}
		keys = append(keys, key)
	}
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			want = append(want, method+" "+path)
		}
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("API routes\n %v\nOpenAPI operations\n %v", keys, want)
	}
	// No route belongs to a third API.
	if n, want := len(ofType("AWS::ApiGatewayV2::Route")), 2*len(Routes); n != want {
		t.Errorf("%d routes in the template, want %d (the IAM API's and the dashboard API's)", n, want)
	}
}

// TestEachFunctionMayDoExactlyWhatItsCodeCalls reads each role's policy back
// out of the template and compares it with the packages' declared actions.
func TestEachFunctionMayDoExactlyWhatItsCodeCalls(t *testing.T) {
	policies := ofType("AWS::IAM::Policy")
	for _, fn := range Functions {
		role := ""
		for id := range ofType("AWS::IAM::Role") {
			if strings.HasPrefix(id, "Functions"+title(fn)+"Role") {
				role = id
			}
		}
		if role == "" {
			t.Fatalf("no role for %s", fn)
		}
		var actions []string
		for _, p := range policies {
			pp := props(p)
			if !strings.Contains(fmt.Sprint(pp["Roles"]), role) {
				continue
			}
			for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				if s["Effect"] != "Allow" {
					t.Errorf("%s: a %v statement", fn, s["Effect"])
				}
				switch a := s["Action"].(type) {
				case string:
					actions = append(actions, a)
				case []any:
					for _, x := range a {
						actions = append(actions, x.(string))
					}
				}
				if strings.Contains(fmt.Sprintf("[%v]", s["Resource"]), "[*]") || strings.Contains(fmt.Sprintf(" %v ", s["Resource"]), " * ") {
					if s["Sid"] != "ReadAccount" {
						t.Errorf("%s: statement %v on every resource", fn, s["Sid"])
					}
				}
			}
		}
		m, _ := deployed.ManifestOf(fn)
		g := m.Grants
		want := appconfig.Union(g.Account, g.Table, g.Topic, g.TopicKey, g.PlanBucket, []string{"logs:CreateLogStream", "logs:PutLogEvents"})
		if g.AssumesMemberRole {
			want = appconfig.Union(want, assumeRoleActions)
		}
		if readsOrganizationCosts(m) { // the organization's costs are the management account's
			want = appconfig.Union(want, accounts.ManagementIAMActions)
		}
		if g.StartsScanMachine { // POST /scans starts the scan's state machine
			want = appconfig.Union(want, sfnstart.IAMActions)
		}
		if g.InvokesShards { // the live view runs its shards on the shard function
			want = appconfig.Union(want, shardinvoke.IAMActions)
		}
		if got := appconfig.Union(actions); !slices.Equal(got, want) {
			t.Errorf("%s may do\n %v\nits code calls\n %v", fn, got, want)
		}
		for _, a := range actions {
			if a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("%s: wildcard action %s", fn, a)
			}
		}
	}
	if n := len(ofType("AWS::IAM::ManagedPolicy")); n != 0 {
		t.Errorf("%d managed policies", n)
	}
	for id, r := range ofType("AWS::IAM::Role") {
		if props(r)["ManagedPolicyArns"] != nil {
			t.Errorf("role %s has managed policies %v", id, props(r)["ManagedPolicyArns"])
		}
	}
}

// TestEachFunctionGetsTheSettingsItsCodeReads ties each function's
// environment in the template to its manifest (deployed.Manifests): every setting it
// requires is there (or it would refuse to start), with the value that
// names the right resource, and nothing it does not read.
func TestEachFunctionGetsTheSettingsItsCodeReads(t *testing.T) {
	table := logicalID(t, stack, "Data", "Table")
	topic := logicalID(t, stack, "Alerts", "Findings")
	want := map[string]string{ // what each setting must name
		appconfig.EnvTable: "${" + table + "}", appconfig.EnvTopic: "${" + topic + "}",
		appconfig.EnvRetention:  "90",
		appconfig.EnvPlanBucket: "${" + logicalID(t, stack, "Fleet", "Plans") + "}", appconfig.EnvStateMachine: "${" + logicalID(t, stack, "Fleet", "ScanMachine") + "}",
		appconfig.EnvAccounts: "org", appconfig.EnvMemberRole: DefaultMemberRole,
	}
	for _, fn := range Functions {
		id := logicalID(t, stack, "Functions", title(fn))
		env, _ := props(resources[id])["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		settings, _ := deployed.ManifestOf(fn)
		for _, k := range settings.Required {
			if vars[k] == nil {
				t.Errorf("%s requires %s; the template does not set it", fn, k)
			}
		}
		for k, v := range vars {
			if !slices.Contains(settings.Reads(), k) {
				t.Errorf("%s: the template sets %s, which the function does not read", fn, k)
			}
			if w, ok := want[k]; ok && flat(v) != w {
				t.Errorf("%s: %s=%s, want %s", fn, k, flat(v), w)
			}
		}
	}
}

func TestDataAndNotifications(t *testing.T) {
	check(t, "table", func() {
		template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"Properties": map[string]any{
				"TimeToLiveSpecification":          map[string]any{"AttributeName": "expires_at", "Enabled": true},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]any{"SSEEnabled": true},
				"DeletionProtectionEnabled":        true,
				"BillingMode":                      "PAY_PER_REQUEST",
			},
			"DeletionPolicy": "Retain",
		})
	})
	check(t, "topic", func() {
		template.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{
			"KmsMasterKeyId": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
		})
		template.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
		template.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				"Action": assertions.Match_AnyValue(), "Principal": assertions.Match_AnyValue(), "Resource": assertions.Match_AnyValue(),
				"Sid": assertions.Match_AnyValue(),
			}})},
		})
		template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.com"})
	})
}

func TestScheduleAndAlarmsAndLogs(t *testing.T) {
	rules := ofType("AWS::Events::Rule")
	if len(rules) != 2 { // the daily scan's and the weekly digest's (notifications_test.go)
		t.Fatalf("%d rules", len(rules))
	}
	for _, r := range rules {
		p := props(r)
		if p["Description"] != "cloudscope: the daily full scan" {
			continue
		}
		targets := p["Targets"].([]any)
		target := targets[0].(map[string]any)
		// The schedule starts the state machine, the event's id as the
		// scan's (TestDashboardCanBeTurnedOff checks that a one-account stack
		// does too).
		machine := logicalID(t, stack, "Fleet", "ScanMachine")
		if p["ScheduleExpression"] != "cron(0 6 * * ? *)" || flat(target["Arn"]) != "${"+machine+"}" ||
			target["DeadLetterConfig"] == nil || target["RetryPolicy"] == nil || target["RoleArn"] == nil {
			t.Errorf("schedule %v", p)
		}
		in, _ := target["InputTransformer"].(map[string]any)
		if fmt.Sprint(in["InputPathsMap"]) != "map[id:$.id]" || in["InputTemplate"] != `{"scan_id":<id>}` {
			t.Errorf("the state machine's input %v", target)
		}
	}
	check(t, "alarms", func() {
		topic := map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AlertsFindings"))}
		// A scan that fails is a failed execution; a digest that fails, its function's errors.
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"MetricName": "ExecutionsFailed", "Namespace": "AWS/States", "AlarmActions": []any{topic},
		})
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"MetricName": "Errors", "Namespace": "AWS/Lambda", "AlarmActions": []any{topic},
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^FunctionsDigest"))}}},
		})
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"MetricName": "ApproximateNumberOfMessagesVisible", "AlarmActions": []any{topic},
		})
		// CloudWatch may publish to the topic and use its key, for this account's alarms only.
		template.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect": "Allow", "Action": "sns:Publish", "Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Condition": assertions.Match_ObjectLike(&map[string]any{"StringEquals": assertions.Match_AnyValue()}),
			})})},
		})
	})
	for id, r := range ofType("AWS::Logs::LogGroup") {
		if props(r)["RetentionInDays"] == nil {
			t.Errorf("log group %s keeps logs forever", id)
		}
	}
	fns := map[string]map[string]any{}
	for id, r := range ofType("AWS::Lambda::Function") {
		switch {
		case strings.HasPrefix(id, "Functions"):
			fns[id] = r
		case !strings.HasPrefix(id, "CustomCDKBucketDeployment"): // the dashboard's copying function
			t.Errorf("unexpected function %s", id)
		}
	}
	if len(fns) != len(Functions) {
		t.Errorf("%d functions, want %d (one per functions/ folder)", len(fns), len(Functions))
	}
	for id, r := range fns {
		p := props(r)
		if p["Runtime"] != "provided.al2023" || fmt.Sprint(p["Architectures"]) != "[arm64]" || p["Handler"] != "bootstrap" ||
			p["LoggingConfig"] == nil || p["ReservedConcurrentExecutions"] == nil {
			t.Errorf("function %s: %v", id, p)
		}
	}
	stages := ofType("AWS::ApiGatewayV2::Stage")
	if len(stages) != 2 {
		t.Errorf("%d stages, want 2 (the IAM API's and the dashboard API's)", len(stages))
	}
	for _, r := range stages {
		p := props(r)
		settings, _ := p["DefaultRouteSettings"].(map[string]any)
		if p["AccessLogSettings"] == nil || settings["ThrottlingRateLimit"] == nil || settings["ThrottlingBurstLimit"] == nil {
			t.Errorf("stage without access logs or throttling: %v", p)
		}
	}
}

func TestCdkNagFindsNothingUnsuppressed(t *testing.T) {
	// The aspect ran: it wrote its report beside the template.
	report := filepath.Join(*awscdk.Stage_Of(stack).Outdir(), "AwsSolutions--Cloudscope-NagReport.csv")
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), "AwsSolutions-IAM5") {
		t.Errorf("no cdk-nag report with the IAM5 suppressions at %s (%v)", report, err)
	}
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		t.Errorf("cdk-nag: %v: %v", *e.Id, e.Entry.Data)
	}
}

func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint not on PATH: run make deps")
	}
	raw, _ := json.MarshalIndent(template.ToJSON(), "", " ")
	path := filepath.Join(t.TempDir(), "template.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// W3005 (a DependsOn that a GetAtt already implies) is how CDK orders a
	// role's policy before its function; it is redundant, not wrong.
	if out, err := exec.Command(bin, "--ignore-checks", "W3005", "--", path).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}

// TestReadOnlyPolicyIsCurrent keeps the policy for local use in step with the code.
func TestReadOnlyPolicyIsCurrent(t *testing.T) {
	want, _ := json.MarshalIndent(ReadOnlyPolicy(), "", "  ")
	want = append(want, '\n')
	if os.Getenv("UPDATE") == "1" {
		_ = os.WriteFile("readonly-policy.json", want, 0o644)
	}
	got, err := os.ReadFile("readonly-policy.json")
	if err != nil || string(got) != string(want) {
		t.Errorf("infra/readonly-policy.json is not what the code calls; regenerate it with UPDATE=1 go test ./infra -run ReadOnly")
	}
}

// TestDashboardCanBeTurnedOff synthesizes the stack with
// cloudscope:dashboard=false and no page at all: no bucket, distribution,
// user pool or second API, and every route takes IAM.
func TestDashboardCanBeTurnedOff(t *testing.T) {
	assets, _ := placeholders(t.TempDir())
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		"cloudscope:assetDir": assets, "cloudscope:dashboard": "false", "cloudscope:dashboardDir": filepath.Join(t.TempDir(), "absent")}})
	settings, err := SettingsFrom(app)
	if err != nil {
		t.Fatal(err)
	}
	st := NewStack(app, "CloudscopeNoDashboard", &StackProps{Settings: settings})
	tmpl := assertions.Template_FromStack(st, nil)
	raw, _ := json.Marshal(tmpl.ToJSON())
	var doc struct {
		Resources map[string]map[string]any
		Outputs   map[string]any
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	routes := 0
	for id, r := range doc.Resources {
		typ := r["Type"].(string)
		if strings.HasPrefix(id, "FleetPlans") { // the scan's plan bucket and its policy
			continue
		}
		for _, absent := range []string{"AWS::S3::", "AWS::CloudFront::", "AWS::Cognito::", "Custom::CDKBucketDeployment", "AWS::ApiGatewayV2::Authorizer"} {
			if strings.HasPrefix(typ, absent) {
				t.Errorf("dashboard off, yet %s (%s)", id, typ)
			}
		}
		switch typ {
		case "AWS::ApiGatewayV2::Api":
			if id != logicalID(t, st, "Api", "Api") {
				t.Errorf("dashboard off, yet a second API %s", id)
			}
		case "AWS::ApiGatewayV2::Route":
			routes++
			if p := props(r); p["AuthorizationType"] != "AWS_IAM" {
				t.Errorf("route %v has authorization %v", p["RouteKey"], p["AuthorizationType"])
			}
		}
	}
	if routes != len(Routes) {
		t.Errorf("%d routes, want %d", routes, len(Routes))
	}
	// Accounts self (the default): the scan is the state machine's too, a
	// plan of this account; no member role StackSet.
	machine := logicalID(t, st, "Fleet", "ScanMachine")
	functions := map[string]bool{}
	for id, r := range doc.Resources {
		switch r["Type"] {
		case "AWS::CloudFormation::StackSet":
			t.Errorf("accounts self, yet %s (%s)", id, r["Type"])
		case "AWS::Lambda::Function":
			for _, fn := range Functions {
				if strings.HasPrefix(id, "Functions"+title(fn)) && !strings.Contains(id, "Logs") {
					functions[fn] = true
				}
			}
		case "AWS::Events::Rule":
			if p := props(r); p["Description"] == "cloudscope: the daily full scan" && flat(p["Targets"].([]any)[0].(map[string]any)["Arn"]) != "${"+machine+"}" {
				t.Errorf("accounts self: the schedule targets %v", p["Targets"])
			}
		}
	}
	for _, fn := range Functions {
		if !functions[fn] {
			t.Errorf("accounts self, yet no %s function", fn)
		}
	}
	for _, out := range []string{"DashboardUrl", "UserPoolId", "UserPoolClientId"} {
		if doc.Outputs[out] != nil {
			t.Errorf("dashboard off, yet output %s", out)
		}
	}
	errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		t.Errorf("cdk-nag: %v: %v", *e.Id, e.Entry.Data)
	}
}
