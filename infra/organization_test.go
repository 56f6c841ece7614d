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
	"github.com/aws/jsii-runtime-go"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
)

// The organization of the test stack (stack_test.go's TestMain).
const testOrgID = "o-a1b2c3d4e5"

// testManagement is its management account, for a delegated administrator's stacks.
const testManagement = "999988887777"

var testOUs = []string{"ou-ab12-cdef3456", "r-ab12"}

// machineDefinition is the state machine's definition, its references
// flattened to ${LogicalId} and ${LogicalId.Attribute}.
func machineDefinition(t *testing.T) (map[string]any, map[string]any) {
	t.Helper()
	id := logicalID(t, stack, "Fleet", "ScanMachine")
	p := props(resources[id])
	var def map[string]any
	if err := json.Unmarshal([]byte(flat(p["DefinitionString"])), &def); err != nil {
		t.Fatalf("definition: %v\n%s", err, flat(p["DefinitionString"]))
	}
	return def, p
}

func machineID(t *testing.T) string { return logicalID(t, stack, "Fleet", "ScanMachine") }

func stateOf(t *testing.T, states map[string]any, name string) map[string]any {
	t.Helper()
	st, ok := states[name].(map[string]any)
	if !ok {
		t.Fatalf("no state %s among %v", name, keys(states))
	}
	return st
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkLambdaTask holds a task state to invoking fn's function (its
// answer alone, as the handler returns it), with the retries on Lambda's
// passing failures and the handlers' retryable error, exponential with full
// jitter, and nothing else retried.
func checkLambdaTask(t *testing.T, name string, st map[string]any, fn string) {
	t.Helper()
	fnID := logicalID(t, stack, "Functions", title(fn))
	if st["Type"] != "Task" || st["Resource"] != "${"+fnID+".Arn}" {
		t.Errorf("%s invokes %v, want the %s function", name, st["Resource"], fn)
	}
	retries, _ := st["Retry"].([]any)
	if len(retries) != 1 {
		t.Fatalf("%s: retries %v", name, st["Retry"])
	}
	r := retries[0].(map[string]any)
	var errs []string
	for _, e := range r["ErrorEquals"].([]any) {
		errs = append(errs, e.(string))
	}
	want := append(slices.Clone(sharedLambdaErrors), scanapp.RetryableErrorName)
	if !slices.Equal(errs, want) || r["BackoffRate"] != 2.0 || r["IntervalSeconds"] != 2.0 || r["MaxAttempts"] != 6.0 ||
		r["MaxDelaySeconds"] != 60.0 || r["JitterStrategy"] != "FULL" {
		t.Errorf("%s: retry %v, want errors %v", name, r, want)
	}
	if !slices.Contains(errs, "Lambda.TooManyRequestsException") || slices.Contains(errs, "States.ALL") || slices.Contains(errs, "States.TaskFailed") {
		t.Errorf("%s retries %v: Lambda's throttling, and not every failure (an access denied, a bug)", name, errs)
	}
}

func TestTheScanMachine(t *testing.T) {
	def, p := machineDefinition(t)
	states := def["States"].(map[string]any)
	if def["StartAt"] != statePlan || len(states) != 5 {
		t.Errorf("start %v, states %v", def["StartAt"], keys(states))
	}
	plan := stateOf(t, states, statePlan)
	checkLambdaTask(t, statePlan, plan, "plan")
	if fmt.Sprint(plan["Parameters"]) != "map[max_concurrency:250 per_account:4 scan_id.$:$.scan_id]" || plan["ResultPath"] != "$.plan" || plan["Next"] != stateShards {
		t.Errorf("plan: %v", plan)
	}

	shards := stateOf(t, states, stateShards)
	proc, _ := shards["ItemProcessor"].(map[string]any)
	conf, _ := proc["ProcessorConfig"].(map[string]any)
	if shards["Type"] != "Map" || conf["Mode"] != "DISTRIBUTED" || conf["ExecutionType"] != "STANDARD" {
		t.Errorf("shards: not a distributed map of standard children: %v", shards)
	}
	// The map runs as many at once as the plan says (scanapp.Plan's
	// concurrency, min(250, accounts x 4)), not a fixed number.
	planned, _ := json.Marshal(scanapp.Plan{Concurrency: 40})
	if shards["MaxConcurrency"] != nil || shards["MaxConcurrencyPath"] != "$.plan.concurrency" || !strings.Contains(string(planned), `"concurrency":40`) ||
		shards["ToleratedFailurePercentage"] != 5.0 {
		t.Errorf("shards: concurrency %v, path %v (the plan answers %s), tolerated failures %v%%, want the plan's concurrency and the setting's 5",
			shards["MaxConcurrency"], shards["MaxConcurrencyPath"], planned, shards["ToleratedFailurePercentage"])
	}
	plans := logicalID(t, stack, "Fleet", "Plans")
	reader, _ := shards["ItemReader"].(map[string]any)
	if reader["Resource"] != "arn:${AWS::Partition}:states:::s3:getObject" || fmt.Sprint(reader["ReaderConfig"]) != "map[InputType:JSON]" ||
		fmt.Sprint(reader["Parameters"]) != "map[Bucket:${"+plans+"} Key.$:$.plan.key]" {
		t.Errorf("the item reader does not read the plan's object: %v", reader)
	}
	writer, _ := shards["ResultWriter"].(map[string]any)
	if w, _ := writer["Parameters"].(map[string]any); w["Bucket"] != "${"+plans+"}" || w["Prefix"] != "results" {
		t.Errorf("the map's results do not go to the plan bucket: %v", shards["ResultWriter"])
	}
	inner := proc["States"].(map[string]any)
	shard := stateOf(t, inner, stateShard)
	checkLambdaTask(t, stateShard, shard, "shard")
	if proc["StartAt"] != stateShard || len(inner) != 1 || shard["End"] != true {
		t.Errorf("the item processor: %v", proc)
	}
	if shard["Parameters"] != nil || shard["InputPath"] != nil || shard["ResultPath"] != "$" {
		t.Errorf("the shard is not given its item whole, or returns more than its summary: %v", shard)
	}

	// Over the tolerated failures the map fails: the scan is still
	// finalized (what was read is kept), then the execution fails.
	catches, _ := shards["Catch"].([]any)
	if len(catches) != 1 || fmt.Sprint(catches[0]) != "map[ErrorEquals:[States.ALL] Next:"+stateFinalizeAfterMap+" ResultPath:$.shards_error]" {
		t.Errorf("shards: catch %v", shards["Catch"])
	}
	if shards["Next"] != stateFinalize {
		t.Errorf("shards: next %v", shards["Next"])
	}
	for _, name := range []string{stateFinalize, stateFinalizeAfterMap} {
		st := stateOf(t, states, name)
		checkLambdaTask(t, name, st, "finalize")
		if fmt.Sprint(st["Parameters"]) != "map[scan_id.$:$.scan_id]" || st["ResultPath"] != "$.snapshot" {
			t.Errorf("%s: payload %v", name, st["Parameters"])
		}
	}
	if st := stateOf(t, states, stateFinalize); st["End"] != true {
		t.Errorf("finalize does not end the execution: %v", st)
	}
	if st := stateOf(t, states, stateFinalizeAfterMap); st["Next"] != stateShardsFailed {
		t.Errorf("after failed shards: %v", st)
	}
	if st := stateOf(t, states, stateShardsFailed); st["Type"] != "Fail" || st["Error"] != "ShardsFailed" {
		t.Errorf("shards failed: %v", st)
	}

	// An execution that fails or times out tells the findings topic.
	for _, metric := range []string{"ExecutionsFailed", "ExecutionsTimedOut"} {
		found := false
		for _, a := range ofType("AWS::CloudWatch::Alarm") {
			ap := props(a)
			if ap["MetricName"] == metric && ap["Namespace"] == "AWS/States" && strings.Contains(fmt.Sprint(ap["Dimensions"]), machineID(t)) &&
				strings.Contains(fmt.Sprint(ap["AlarmActions"]), "AlertsFindings") {
				found = true
			}
		}
		if !found {
			t.Errorf("no alarm on %s of the state machine", metric)
		}
	}

	// Logs (every event, into an encrypted group) and X-Ray.
	logs, _ := p["LoggingConfiguration"].(map[string]any)
	if logs["Level"] != "ALL" || p["TracingConfiguration"] == nil || fmt.Sprint(p["TracingConfiguration"]) != "map[Enabled:true]" || p["StateMachineType"] != "STANDARD" {
		t.Errorf("state machine: logging %v, tracing %v, type %v", logs, p["TracingConfiguration"], p["StateMachineType"])
	}
	group := logicalID(t, stack, "Fleet", "ScanMachineLogs")
	if !strings.Contains(fmt.Sprint(logs["Destinations"]), group) || props(resources[group])["KmsKeyId"] == nil || props(resources[group])["RetentionInDays"] == nil {
		t.Errorf("the log group %s: %v; destinations %v", group, props(resources[group]), logs["Destinations"])
	}
}

// TestTheScanMachineMayDoOnlyItsWork reads the state machine's role back:
// it may invoke the three states' functions and no other, read and write
// objects of the plan bucket, deliver its logs and traces, and run its own
// map's children; the schedule's role may start it, nothing else.
func TestTheScanMachineMayDoOnlyItsWork(t *testing.T) {
	machine := logicalID(t, stack, "Fleet", "ScanMachine")
	role, events := logicalID(t, stack, "Fleet", "ScanMachine", "Role"), logicalID(t, stack, "Fleet", "ScanMachine", "EventsRole")
	plans := logicalID(t, stack, "Fleet", "Plans")
	var invoked []string
	for _, pol := range ofType("AWS::IAM::Policy") {
		pp := props(pol)
		roles := strs(pp["Roles"])
		for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			actions, res := strs(s["Action"]), strs(s["Resource"])
			switch {
			case slices.Contains(roles, "${"+events+"}"):
				if !slices.Equal(actions, sfnstart.IAMActions) || !slices.Equal(res, []string{"${" + machine + "}"}) {
					t.Errorf("the schedule's role may %v on %v", actions, res)
				}
			case !slices.Contains(roles, "${"+role+"}"):
			case s["Effect"] != "Allow":
				t.Errorf("a %v statement", s["Effect"])
			case slices.Equal(actions, []string{"lambda:InvokeFunction"}):
				invoked = append(invoked, res...)
			case strings.HasPrefix(actions[0], "s3:") && slices.Equal(res, []string{"arn:${AWS::Partition}:s3:::${" + plans + "}/*"}):
				for _, a := range actions {
					if a != "s3:GetObject" && a != "s3:PutObject" && a != "s3:ListMultipartUploadParts" && a != "s3:AbortMultipartUpload" {
						t.Errorf("the state machine may %s in the plan bucket", a)
					}
				}
			case strings.HasPrefix(actions[0], "logs:") && slices.Contains(actions, "logs:CreateLogDelivery"), strings.HasPrefix(actions[0], "xray:"):
				for _, a := range actions {
					if !strings.HasPrefix(a, actions[0][:strings.Index(actions[0], ":")+1]) || strings.HasSuffix(a, ":*") {
						t.Errorf("the state machine may %s", a)
					}
				}
			case slices.Equal(actions, sfnstart.IAMActions) && slices.Equal(res, []string{"${" + machine + "}"}):
			case strings.HasPrefix(actions[0], "states:") && len(res) == 1 && strings.Contains(res[0], ":execution:"):
			default:
				t.Errorf("the state machine may %v on %v", actions, res)
			}
		}
	}
	var want []string
	for _, fn := range ScanStates {
		arn := "${" + logicalID(t, stack, "Functions", title(fn)) + ".Arn}"
		want = append(want, arn, arn+":*")
	}
	slices.Sort(invoked)
	slices.Sort(want)
	if !slices.Equal(invoked, want) {
		t.Errorf("the state machine may invoke\n %v\nwant\n %v", invoked, want)
	}
}

func TestThePlanBucket(t *testing.T) {
	id := logicalID(t, stack, "Fleet", "Plans")
	p := props(resources[id])
	enc := fmt.Sprint(p["BucketEncryption"])
	block := fmt.Sprint(p["PublicAccessBlockConfiguration"])
	life := fmt.Sprint(p["LifecycleConfiguration"])
	if !strings.Contains(enc, "AES256") || block != "map[BlockPublicAcls:true BlockPublicPolicy:true IgnorePublicAcls:true RestrictPublicBuckets:true]" ||
		!strings.Contains(life, "ExpirationInDays:3") {
		t.Errorf("plan bucket: encryption %s, public access %s, lifecycle %s", enc, block, life)
	}
	tls := false
	for _, r := range ofType("AWS::S3::BucketPolicy") {
		pp := props(r)
		if flat(pp["Bucket"]) == "${"+id+"}" && strings.Contains(fmt.Sprint(pp["PolicyDocument"]), "aws:SecureTransport:false") {
			tls = true
		}
	}
	if !tls {
		t.Error("the plan bucket accepts plain HTTP")
	}
}

// memberStackSet is the StackSet's properties and its template, parsed.
func memberStackSet(t *testing.T) (map[string]any, map[string]any) {
	t.Helper()
	sets := ofType("AWS::CloudFormation::StackSet")
	if len(sets) != 1 {
		t.Fatalf("%d StackSets", len(sets))
	}
	for _, r := range sets {
		p := props(r)
		var body map[string]any
		if err := json.Unmarshal([]byte(p["TemplateBody"].(string)), &body); err != nil {
			t.Fatal(err)
		}
		return p, body
	}
	return nil, nil
}

func TestTheMemberRole(t *testing.T) {
	p, body := memberStackSet(t)
	if p["PermissionModel"] != "SERVICE_MANAGED" || fmt.Sprint(p["AutoDeployment"]) != "map[Enabled:true RetainStacksOnAccountRemoval:false]" ||
		p["CallAs"] != "SELF" || fmt.Sprint(p["Capabilities"]) != "[CAPABILITY_NAMED_IAM]" {
		t.Errorf("stack set: %v", p)
	}
	groups, _ := p["StackInstancesGroup"].([]any)
	if len(groups) != 1 || fmt.Sprint(groups[0].(map[string]any)["DeploymentTargets"]) != fmt.Sprintf("map[OrganizationalUnitIds:%v]", testOUs) ||
		fmt.Sprint(groups[0].(map[string]any)["Regions"]) != "[map[Ref:AWS::Region]]" {
		t.Errorf("deployed to %v", p["StackInstancesGroup"])
	}
	// Trusted by the plan's, the shard's and the metrics route's roles, nothing else.
	params, _ := p["Parameters"].([]any)
	planRole, shardRole, metricsRole := logicalRole(t, "plan"), logicalRole(t, "shard"), logicalRole(t, "metrics")
	if len(params) != 1 || fmt.Sprint(params[0].(map[string]any)["ParameterKey"]) != "ScanRoleArns" ||
		flat(params[0].(map[string]any)["ParameterValue"]) != "${"+planRole+".Arn},${"+shardRole+".Arn},${"+metricsRole+".Arn}" {
		t.Errorf("the roles trusted: %v", p["Parameters"])
	}

	role := body["Resources"].(map[string]any)["ReaderRole"].(map[string]any)
	rp := role["Properties"].(map[string]any)
	if role["Type"] != "AWS::IAM::Role" || rp["RoleName"] != DefaultMemberRole || len(body["Resources"].(map[string]any)) != 1 {
		t.Errorf("member template: %v", body["Resources"])
	}
	trust := rp["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
	if len(trust) != 1 || fmt.Sprint(trust[0]) != fmt.Sprintf("map[Action:sts:AssumeRole Condition:map[StringEquals:map[aws:PrincipalOrgID:%s]] Effect:Allow Principal:map[AWS:map[Ref:ScanRoleArns]]]", testOrgID) {
		t.Errorf("trust policy %v", trust)
	}
	if rp["ManagedPolicyArns"] != nil {
		t.Errorf("managed policies %v", rp["ManagedPolicyArns"])
	}
	policies := rp["Policies"].([]any)
	if len(policies) != 1 {
		t.Fatalf("policies %v", policies)
	}
	var actions []string
	for _, st := range policies[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		s := st.(map[string]any)
		if s["Effect"] != "Allow" || s["Resource"] != "*" {
			t.Errorf("statement %v", s)
		}
		for _, a := range s["Action"].([]any) {
			actions = append(actions, a.(string))
		}
	}
	if !slices.Equal(actions, memberActions()) {
		t.Errorf("the member role may do\n %v\nthe shard reads\n %v", actions, memberActions())
	}
	for _, a := range actions {
		verb := a[strings.Index(a, ":")+1:]
		if !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "List") && !strings.HasPrefix(verb, "Get") {
			t.Errorf("the member role may %s, which is not a read", a)
		}
	}
	// Only the shards read members: nothing about costs or the topic, and of
	// DynamoDB only the table list and descriptions discovery reads.
	for _, a := range actions {
		if strings.HasPrefix(a, "ce:") || strings.HasPrefix(a, "sns:") ||
			strings.HasPrefix(a, "dynamodb:") && a != "dynamodb:ListTables" && a != "dynamodb:DescribeTable" {
			t.Errorf("the member role may %s", a)
		}
	}
}

func logicalRole(t *testing.T, fn string) string {
	t.Helper()
	for id := range ofType("AWS::IAM::Role") {
		if strings.HasPrefix(id, "Functions"+title(fn)+"Role") {
			return id
		}
	}
	t.Fatalf("no role for %s", fn)
	return ""
}

// TestTheMemberTemplateLints runs cfn-lint over the StackSet's own
// template, which the stack's lint sees only as a string.
func TestTheMemberTemplateLints(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint not on PATH: run make deps")
	}
	_, body := memberStackSet(t)
	raw, _ := json.MarshalIndent(body, "", " ")
	path := filepath.Join(t.TempDir(), "member.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--", path).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}

// TestMemberRolePolicyIsCurrent keeps the member variant of the read-only
// policy in step with what the shards call.
func TestMemberRolePolicyIsCurrent(t *testing.T) {
	want, _ := json.MarshalIndent(MemberRolePolicy(), "", "  ")
	want = append(want, '\n')
	if os.Getenv("UPDATE") == "1" {
		_ = os.WriteFile("member-role-policy.json", want, 0o644)
	}
	got, err := os.ReadFile("member-role-policy.json")
	if err != nil || string(got) != string(want) {
		t.Errorf("infra/member-role-policy.json is not what the shards call; regenerate it with UPDATE=1 go test ./infra -run MemberRolePolicy")
	}
}

func TestOrganizationSettingsAreChecked(t *testing.T) {
	from := func(ctx map[string]string) (OrganizationSettings, error) {
		f, err := organizationSettingsFrom(func(key, def string) string {
			if v, ok := ctx[key]; ok {
				return v
			}
			return def
		})
		if err != nil {
			return f, err
		}
		return f, f.Validate()
	}
	f, err := from(nil)
	if err != nil || f.On() || f.Accounts != "self" || f.MemberRole != DefaultMemberRole || f.ShardConcurrency != 100 || f.ShardsPerAccount != 4 || f.ToleratedFailurePercent != 10 {
		t.Errorf("defaults: %+v %v", f, err)
	}
	org := map[string]string{"accounts": "org", "orgId": testOrgID, "memberOUs": "ou-ab12-cdef3456"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range org {
			m[a] = b
		}
		m[k] = v
		return m
	}
	if f, err := from(org); err != nil || !f.On() || fmt.Sprint(f.MemberOUs) != "[ou-ab12-cdef3456]" {
		t.Errorf("org: %+v %v", f, err)
	}
	// accounts=org:<ou>,... deploys the role to those OUs unless told
	// otherwise, as accountset.Parse reads them (sorted, once each).
	if f, err := from(map[string]string{"accounts": "org:ou-ab12-cdef3456, ou-ab12-99998888,ou-ab12-cdef3456", "orgId": testOrgID}); err != nil ||
		fmt.Sprint(f.MemberOUs) != "[ou-ab12-99998888 ou-ab12-cdef3456]" {
		t.Errorf("org:<ous>: %+v %v", f, err)
	}
	if f, err := from(with("accounts", "111111111111,222222222222")); err != nil || !f.On() {
		t.Errorf("a list of accounts: %+v %v", f, err)
	}
	// The stack reads cloudscope:accounts as the functions read
	// CLOUDSCOPE_ACCOUNTS (accountset.Parse): what one takes, the other does.
	for _, v := range []string{" SELF ", "Org", "111111111111, 222222222222", "222222222222,111111111111,"} {
		f, err := from(with("accounts", v))
		set, perr := accountset.Parse(v)
		if err != nil || perr != nil || f.On() == set.Self() {
			t.Errorf("accounts=%q: the stack reads %+v %v; accountset.Parse %+v %v", v, f, err, set, perr)
		}
	}
	for _, v := range []string{"org:r-ab12", "org:", "org:sales", "111111111111,abc"} {
		_, perr := accountset.Parse(v)
		if _, err := from(with("accounts", v)); err == nil || perr == nil || !strings.Contains(err.Error(), "cloudscope:accounts") {
			t.Errorf("accounts=%.40q: the stack says %v; accountset.Parse %v", v, err, perr)
		}
	}
	// The regions a scan reads, and those it skips: region names.
	if f, err := from(with("regions", "eu-west-1, eu-central-1")); err != nil || f.Regions != "eu-west-1, eu-central-1" {
		t.Errorf("regions: %+v %v", f, err)
	}
	for k, v := range map[string]string{"regions": "eu-west-1,europe", "skipRegions": "EU"} {
		if _, err := from(with(k, v)); err == nil || !strings.Contains(err.Error(), "cloudscope:regions") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	for ctx, want := range map[*map[string]string]string{
		ptr(with("accounts", "everyone")):           "cloudscope:accounts",
		ptr(with("accounts", "1111,2222")):          "cloudscope:accounts",
		ptr(with("orgId", "")):                      "cloudscope:orgId",
		ptr(with("orgId", "org-1")):                 "cloudscope:orgId",
		ptr(with("memberOUs", "")):                  "cloudscope:memberOUs is empty",
		ptr(with("memberOUs", "sales")):             "cloudscope:memberOUs",
		ptr(with("memberRole", "no spaces please")): "cloudscope:memberRole",
		ptr(with("shardConcurrency", "0")):          "cloudscope:shardConcurrency",
		ptr(with("shardConcurrency", "20000")):      "cloudscope:shardConcurrency",
		ptr(with("shardConcurrency", "many")):       "cloudscope:shardConcurrency",
		ptr(with("shardsPerAccount", "0")):          "cloudscope:shardsPerAccount",
		ptr(with("shardsPerAccount", "four")):       "cloudscope:shardsPerAccount",
		ptr(with("toleratedFailurePercent", "101")): "cloudscope:toleratedFailurePercent",
		ptr(with("toleratedFailurePercent", "-1")):  "cloudscope:toleratedFailurePercent",
		ptr(with("delegatedAdmin", "sometimes")):    "cloudscope:delegatedAdmin",
		ptr(with("delegatedAdmin", "true")):         "cloudscope:managementAccount",
	} {
		if _, err := from(*ctx); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want an error naming %s", *ctx, err, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestADelegatedAdministratorAndAnotherRole synthesizes a stack for a list
// of accounts, deployed by a delegated administrator, with its own member
// role name: the StackSet is called as one, and the member role's name is
// the one the scan assumes.
func TestADelegatedAdministratorAndAnotherRole(t *testing.T) {
	assets, _ := placeholders(t.TempDir())
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		"cloudscope:assetDir": assets, "cloudscope:dashboard": "false",
		"cloudscope:accounts": "111111111111,222222222222", "cloudscope:orgId": testOrgID, "cloudscope:memberOUs": "ou-ab12-cdef3456",
		"cloudscope:delegatedAdmin": "true", "cloudscope:memberRole": "audit-reader", "cloudscope:managementAccount": testManagement}})
	settings, err := SettingsFrom(app)
	if err != nil {
		t.Fatal(err)
	}
	st := NewStack(app, "CloudscopeDelegated", &StackProps{Settings: settings})
	raw, _ := json.Marshal(assertions.Template_FromStack(st, nil).ToJSON())
	var doc struct {
		Resources map[string]map[string]any
		Outputs   map[string]map[string]any
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	sets, assumes, costRoles := 0, 0, map[string]bool{}
	for id, r := range doc.Resources {
		switch r["Type"] {
		case "AWS::CloudFormation::StackSet":
			sets++
			p := props(r)
			if p["CallAs"] != "DELEGATED_ADMIN" || !strings.Contains(p["TemplateBody"].(string), `"RoleName":"audit-reader"`) {
				t.Errorf("stack set %s: %v", id, p["CallAs"])
			}
		case "AWS::IAM::Policy":
			for _, s := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				if s := s.(map[string]any); s["Sid"] == "AssumeCostRole" {
					// The functions that read costs assume the cost role of
					// the management account alone, in the organization.
					costRoles[fmt.Sprint(props(r)["Roles"])] = true
					if flat(s["Resource"]) != "arn:${AWS::Partition}:iam::"+testManagement+":role/"+accounts.DefaultCostRole ||
						fmt.Sprint(s["Condition"]) != "map[StringEquals:map[aws:ResourceOrgID:"+testOrgID+"]]" || fmt.Sprint(s["Action"]) != "sts:AssumeRole" {
						t.Errorf("%s: cost role grant %v", id, s)
					}
				}
				if s := s.(map[string]any); s["Sid"] == "AssumeMemberRole" {
					assumes++
					if flat(s["Resource"]) != "arn:${AWS::Partition}:iam::*:role/audit-reader" {
						t.Errorf("%s may assume %s", id, flat(s["Resource"]))
					}
				}
			}
		case "AWS::Lambda::Function":
			vars := fmt.Sprint(props(r)["Environment"])
			if strings.HasPrefix(id, "FunctionsShard") && (!strings.Contains(vars, "CLOUDSCOPE_ACCOUNTS:111111111111,222222222222") || !strings.Contains(vars, "CLOUDSCOPE_MEMBER_ROLE:audit-reader")) {
				t.Errorf("the shard function's environment: %s", vars)
			}
		}
	}
	if sets != 1 || assumes != 3 { // plan, shard and metrics
		t.Errorf("%d StackSets, %d roles that assume the member role", sets, assumes)
	}
	// Those that read the organization's costs: the costs route, the
	// digest (the week's spend) and the finalize (the live view reads no
	// costs: its shards run on the shard function); they are the roles the
	// management stack's cost role is told to trust.
	var readers []string
	for _, m := range settings.Deployed() {
		if readsOrganizationCosts(m) {
			readers = append(readers, m.Name)
		}
	}
	slices.Sort(readers)
	if fmt.Sprint(readers) != "[costs digest finalize]" || len(costRoles) != len(readers) {
		t.Errorf("functions reading the organization's costs %v; %d roles may assume the cost role", readers, len(costRoles))
	}
	trusted := flat(doc.Outputs[outCostTrusted]["Value"])
	for _, fn := range readers {
		if !strings.Contains(trusted, "Functions"+title(fn)+"Role") {
			t.Errorf("output %s = %s: no %s role", outCostTrusted, trusted, fn)
		}
	}
	if n := strings.Count(trusted, ".Arn}"); n != len(readers) {
		t.Errorf("output %s names %d roles, want %d", outCostTrusted, n, len(readers))
	}
	if r := flat(doc.Outputs[outReaderTrusted]["Value"]); strings.Count(r, ".Arn}") != 3 || !strings.Contains(r, "FunctionsShardRole") {
		t.Errorf("output %s = %s, want the plan, shard and metrics roles", outReaderTrusted, r)
	}
	errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		t.Errorf("cdk-nag: %v: %v", *e.Id, e.Entry.Data)
	}
}

// TestTheLiveViewMayInvokeOnlyTheShardFunction: the bottlenecks function's
// live view runs its shards on the shard function: its role may invoke
// that function and no other, and its environment names it.
func TestTheLiveViewMayInvokeOnlyTheShardFunction(t *testing.T) {
	fn, shard := logicalID(t, stack, "Functions", "Bottlenecks"), logicalID(t, stack, "Functions", "Shard")
	role := flat(props(resources[fn])["Role"])
	var invoked []string
	for _, pol := range ofType("AWS::IAM::Policy") {
		pp := props(pol)
		for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			if slices.Contains(strs(s["Action"]), "lambda:InvokeFunction") && strings.Contains(role, strings.Trim(fmt.Sprint(strs(pp["Roles"])), "[]${}")) {
				invoked = append(invoked, strs(s["Resource"])...)
			}
		}
	}
	if want := []string{"${" + shard + ".Arn}"}; !slices.Equal(invoked, want) {
		t.Errorf("the bottlenecks function may invoke %v; want %v", invoked, want)
	}
	vars, _ := props(resources[fn])["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got := flat(vars[appconfig.EnvShardFunction]); got != "${"+shard+"}" {
		t.Errorf("%s = %q; want the shard function's name ${%s}", appconfig.EnvShardFunction, got, shard)
	}
}
