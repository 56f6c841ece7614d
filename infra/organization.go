package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/s3items"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
	"github.com/cloudscope/cloudscope/shared/shardinvoke"
)

// OrganizationSettings are what a scan of many accounts may change, from CDK
// context. With accounts "self" (the default) none of it is deployed and
// the daily scan stays one function.
type OrganizationSettings struct {
	// Accounts is cloudscope:accounts: self, org, org:<ou>,<ou>... or a
	// comma list of account ids (CLOUDSCOPE_ACCOUNTS in the functions).
	Accounts string
	// MemberRole is the role the scan assumes in each member
	// (cloudscope:memberRole, CLOUDSCOPE_MEMBER_ROLE; default cloudscope-reader).
	MemberRole string
	// MemberOUs are the organizational units (or the root, r-...) whose
	// accounts get the member role from the StackSet, now and when they join
	// (cloudscope:memberOUs; default: the OUs of accounts=org:<ou>,...).
	MemberOUs []string
	// OrgID is the organization (o-...) whose principals alone the member
	// role trusts (cloudscope:orgId).
	OrgID string
	// DelegatedAdmin deploys the StackSet as a delegated administrator of
	// the organization rather than from its management account
	// (cloudscope:delegatedAdmin); the management account then gets its
	// roles from the management stack (management.go).
	DelegatedAdmin bool
	// ManagementAccount is the organization's management account, whose
	// cost role the functions that read costs may assume when deployed by
	// a delegated administrator (cloudscope:managementAccount; required then).
	ManagementAccount string
	// ShardConcurrency is the map's MaxConcurrency, how many shards run at
	// once (cloudscope:shardConcurrency, default 100; the shard function
	// reserves as many executions when concurrency is reserved).
	ShardConcurrency int
	// ShardsPerAccount bounds the shards of one account the map runs at
	// once (cloudscope:shardsPerAccount, default 4): the plan spreads each
	// account's shards over the items and answers the map's concurrency
	// (scan.MapConcurrency; ShardConcurrency at most, accounts x
	// ShardsPerAccount for accounts of as many shards), which the map reads
	// through MaxConcurrencyPath.
	ShardsPerAccount int
	// ToleratedFailurePercent is the share of shards that may fail (past
	// their retries) before the map fails (cloudscope:toleratedFailurePercent, default 10).
	ToleratedFailurePercent int
	// Regions and SkipRegions limit the regions a scan reads of each
	// account (cloudscope:regions, cloudscope:skipRegions; CLOUDSCOPE_REGIONS
	// and CLOUDSCOPE_SKIP_REGIONS in the functions): an organization that
	// denies regions with service control policies names them here.
	Regions, SkipRegions string
}

// On reports whether the scan reads more than its own account (a setting
// that does not parse is not self: Validate says what is wrong with it).
func (f OrganizationSettings) On() bool {
	set, err := accountset.Parse(f.Accounts)
	return err != nil || !set.Self()
}

// DefaultMemberRole is the role name the member accounts get.
const DefaultMemberRole = accountset.DefaultRole

func organizationSettingsFrom(get func(key, def string) string) (OrganizationSettings, error) {
	f := OrganizationSettings{
		Accounts:    strings.TrimSpace(get("accounts", "self")),
		MemberRole:  strings.TrimSpace(get("memberRole", DefaultMemberRole)),
		OrgID:       strings.TrimSpace(get("orgId", "")),
		Regions:     strings.TrimSpace(get("regions", "")),
		SkipRegions: strings.TrimSpace(get("skipRegions", "")),
	}
	f.ManagementAccount = strings.TrimSpace(get("managementAccount", ""))
	for _, ou := range strings.Split(get("memberOUs", ""), ",") {
		if ou = strings.TrimSpace(ou); ou != "" {
			f.MemberOUs = append(f.MemberOUs, ou)
		}
	}
	// The functions read the setting with accountset.Parse: so does the stack.
	set, err := accountset.Parse(f.Accounts)
	if err != nil {
		return f, fmt.Errorf("cloudscope:accounts %q: %w", f.Accounts, err)
	}
	if len(f.MemberOUs) == 0 {
		f.MemberOUs = append(f.MemberOUs, set.OUs...)
	}
	if f.DelegatedAdmin, err = strconv.ParseBool(get("delegatedAdmin", "false")); err != nil {
		return f, fmt.Errorf("cloudscope:delegatedAdmin must be true or false")
	}
	if f.ShardConcurrency, err = strconv.Atoi(get("shardConcurrency", "100")); err != nil {
		return f, fmt.Errorf("cloudscope:shardConcurrency must be a whole number from 1 to 10000")
	}
	if f.ShardsPerAccount, err = strconv.Atoi(get("shardsPerAccount", "4")); err != nil {
		return f, fmt.Errorf("cloudscope:shardsPerAccount must be a whole number from 1 to 10000")
	}
	if f.ToleratedFailurePercent, err = strconv.Atoi(get("toleratedFailurePercent", "10")); err != nil {
		return f, fmt.Errorf("cloudscope:toleratedFailurePercent must be a whole number from 0 to 100")
	}
	return f, nil
}

var (
	// ouID is an OU's id or the root's, which the StackSet deploys to.
	ouID  = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$`)
	orgID = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

// Validate checks the organization scan's settings; with accounts other than self, the
// member role's StackSet needs the organization and the OUs to deploy to.
func (f OrganizationSettings) Validate() error {
	if _, err := resourcequery.ParseRegionFilter(f.Regions, f.SkipRegions); err != nil {
		return fmt.Errorf("cloudscope:regions, cloudscope:skipRegions: %w", err)
	}
	set, err := accountset.Parse(f.Accounts)
	if err != nil {
		return fmt.Errorf("cloudscope:accounts %q: %w", f.Accounts, err)
	}
	if set.Self() {
		return nil
	}
	if accountset.CheckRole(f.MemberRole) != nil {
		return fmt.Errorf("cloudscope:memberRole %q is not an IAM role name (1 to 64 letters, digits and +=,.@_-)", f.MemberRole)
	}
	if f.ShardConcurrency < 1 || f.ShardConcurrency > 10000 {
		return fmt.Errorf("cloudscope:shardConcurrency %d: want 1 to 10000 (a Distributed Map runs at most 10,000 children at once)", f.ShardConcurrency)
	}
	if f.ShardsPerAccount < 1 || f.ShardsPerAccount > 10000 {
		return fmt.Errorf("cloudscope:shardsPerAccount %d: want 1 to 10000", f.ShardsPerAccount)
	}
	if f.ToleratedFailurePercent < 0 || f.ToleratedFailurePercent > 100 {
		return fmt.Errorf("cloudscope:toleratedFailurePercent %d: want 0 to 100", f.ToleratedFailurePercent)
	}
	if !orgID.MatchString(f.OrgID) {
		return fmt.Errorf("cloudscope:orgId %q: want the organization's id (o-...), which the member role trusts alone (aws organizations describe-organization)", f.OrgID)
	}
	if f.DelegatedAdmin && !cloudscope.ValidAccountID(f.ManagementAccount) {
		return fmt.Errorf("cloudscope:managementAccount %q: a delegated administrator reads the organization's costs and the management account "+
			"through the roles of the management stack (CloudscopeManagement): name the management account's 12-digit id (aws organizations describe-organization)", f.ManagementAccount)
	}
	if len(f.MemberOUs) == 0 {
		return fmt.Errorf("cloudscope:memberOUs is empty: name the OUs (ou-...) or the root (r-...) whose accounts get the %s role", f.MemberRole)
	}
	for _, ou := range f.MemberOUs {
		if !ouID.MatchString(ou) {
			return fmt.Errorf("cloudscope:memberOUs: %q is neither an OU id (ou-...) nor a root id (r-...)", ou)
		}
	}
	return nil
}

// Scans is every scan, of one account or many: the plan bucket,
// the state machine (plan -> Distributed Map of shards -> finalize), and,
// with cloudscope:accounts other than self, the StackSet that gives every
// member account the role the scan reads it through (nil otherwise).
type Scans struct {
	constructs.Construct
	Plans        awss3.Bucket
	StateMachine awsstepfunctions.StateMachine
	MemberRole   awscloudformation.CfnStackSet
}

// sharedLambdaErrors are Lambda's own failures to run a function, worth a
// retry: throttled (the shards share the shard function's concurrency),
// the service's errors, the client's. Step Functions names them so.
var sharedLambdaErrors = []string{
	"Lambda.TooManyRequestsException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
	"Lambda.ClientExecutionTimeoutException",
}

// NewScans builds the scan for the plan, shard and finalize functions of
// fns, lets the function whose manifest says so start it (bottlenecks: POST
// /scans) and invoke the shard function (its live view), and alarms on the
// topic when an execution fails.
func NewScans(scope constructs.Construct, id string, s Settings, retention awslogs.RetentionDays, fns *Compute, alerts *Alerts) *Scans {
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Scans{Construct: c}
	plan, shard, finalize := fns.ByName["plan"], fns.ByName["shard"], fns.ByName["finalize"]

	// The plan: one JSON array of shards per scan, read by the map's item
	// reader; the map writes its results beside them. Both live for days.
	f.Plans = awss3.NewBucket(c, jsii.String("Plans"), &awss3.BucketProps{
		Encryption: awss3.BucketEncryption_S3_MANAGED, EnforceSSL: jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(), ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(3)), AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(f.Plans, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("The plan bucket holds only each scan's shard list and map results, written by the plan function and the state machine and expired after 3 days; the state machine's log records every access."),
	}}, jsii.Bool(true))
	plan.AddEnvironment(jsii.String(appconfig.EnvPlanBucket), f.Plans.BucketName(), nil)
	plan.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("WritePlans"), Actions: jsii.Strings(s3items.IAMActions...), Resources: &[]*string{f.Plans.ArnForObjects(jsii.String("plans/*"))},
	}))

	f.StateMachine = newScanMachine(c, s, retention, f.Plans, plan, shard, finalize)
	for _, m := range s.Deployed() {
		if !m.Grants.StartsScanMachine {
			continue
		}
		fn := fns.ByName[m.Name]
		fn.AddEnvironment(jsii.String(appconfig.EnvStateMachine), f.StateMachine.StateMachineArn(), nil)
		fn.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("StartScanMachine"), Actions: jsii.Strings(sfnstart.IAMActions...), Resources: &[]*string{f.StateMachine.StateMachineArn()},
		}))
	}
	for _, m := range s.Deployed() {
		if !m.Grants.InvokesShards {
			continue
		}
		// The live view runs each region on the shard function, as a scan does.
		fn := fns.ByName[m.Name]
		fn.AddEnvironment(jsii.String(appconfig.EnvShardFunction), shard.FunctionName(), nil)
		fn.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("RunLiveShards"), Actions: jsii.Strings(shardinvoke.IAMActions...), Resources: &[]*string{shard.FunctionArn()},
		}))
	}
	hourly := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Hours(jsii.Number(1))}
	// The map's children (one per shard) report their metrics under the
	// state machine's ARN and the map's label: a shard that failed past
	// its retries counts there, even within the tolerance.
	children := func(metric string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/States"), MetricName: jsii.String(metric), Statistic: jsii.String("Sum"), Period: hourly.Period,
			DimensionsMap: &map[string]*string{"StateMachineArn": awscdk.Fn_Join(jsii.String(""), &[]*string{f.StateMachine.StateMachineArn(), jsii.String("/" + stateShards)})},
		})
	}
	for _, a := range []struct {
		id     string
		metric awscloudwatch.IMetric
		says   string
	}{
		{"ScanExecutionsFailed", f.StateMachine.MetricFailed(hourly), "A cloudscope scan of many accounts did not finish: see the state machine's executions"},
		{"ScanExecutionsTimedOut", f.StateMachine.MetricTimedOut(hourly), "A cloudscope scan of many accounts did not finish: see the state machine's executions"},
		{"ScanExecutionsAborted", f.StateMachine.MetricAborted(hourly), "A cloudscope scan of many accounts was stopped before it finished: see the state machine's executions"},
		{"ShardFailures", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String("FILL(failed, 0) + FILL(timedout, 0)"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{"failed": children("ExecutionsFailed"), "timedout": children("ExecutionsTimedOut")},
			Period:       hourly.Period,
		}), "Shards of a cloudscope scan failed past their retries (within the tolerance the scan still finishes, partial): see the map run's failed children"},
	} {
		alarm := awscloudwatch.NewAlarm(c, jsii.String(a.id), &awscloudwatch.AlarmProps{
			Metric: a.metric, Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(a.says),
		})
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(alerts.Topic))
	}

	if s.Organization.On() {
		// Many accounts: every member gets the role the scan reads it through.
		readers := []awsiam.IRole{plan.Role(), shard.Role(), fns.ByName["metrics"].Role()}
		f.MemberRole = newMemberRoleStackSet(c, s, readers...)
		if s.Organization.DelegatedAdmin {
			managementOutputs(c, readers, fns, s)
		}
	}
	awscdk.NewCfnOutput(awscdk.Stack_Of(c), jsii.String("ScanStateMachineArn"), &awscdk.CfnOutputProps{Value: f.StateMachine.StateMachineArn()})
	return f
}

// The states' names, which the executions' history and the tests show.
const (
	statePlan             = "Plan"
	stateShards           = "Shards"
	stateShard            = "Shard"
	stateFinalize         = "Finalize"
	stateFinalizeAfterMap = "FinalizeAfterShardsFailed"
	stateShardsFailed     = "ShardsFailed"
)

// newScanMachine is plan -> Distributed Map of shards -> finalize.
//
// The plan writes the shards to S3 (17,000 of them are far past the 256 KiB
// a state may pass on) and the map's item reader reads them there; each
// child runs one shard, a standard workflow since a shard may take up to
// the function's 15 minutes (an express child stops at 5). The children's
// summaries go to S3 through the result writer, so the map's own output
// stays small at any size. A shard throttled by Lambda or failing for a
// passing reason is retried with exponential backoff and full jitter.
//
// When more shards fail than tolerated, the map fails; the scan is still
// finalized, so that what was read is stored (partial, with the failures
// named) and a member that could not be read is reported beside complete
// results for the rest, and then the execution fails, which alarms.
func newScanMachine(scope constructs.Construct, s Settings, retention awslogs.RetentionDays, plans awss3.Bucket, plan, shard, finalize awslambda.IFunction) awsstepfunctions.StateMachine {
	scanOnly := awsstepfunctions.TaskInput_FromObject(&map[string]any{"scan_id": awsstepfunctions.JsonPath_StringAt(jsii.String("$.scan_id"))})
	invoke := func(id string, fn awslambda.IFunction, payload awsstepfunctions.TaskInput, resultPath string) awsstepfunctionstasks.LambdaInvoke {
		t := awsstepfunctionstasks.NewLambdaInvoke(scope, jsii.String(id), &awsstepfunctionstasks.LambdaInvokeProps{
			LambdaFunction: fn, Payload: payload, PayloadResponseOnly: jsii.Bool(true),
			// The retries below replace CDK's default ones, so that the
			// template says exactly what is retried.
			RetryOnServiceExceptions: jsii.Bool(false),
			ResultPath:               jsii.String(resultPath),
		})
		t.AddRetry(&awsstepfunctions.RetryProps{
			Errors:   jsii.Strings(append(append([]string{}, sharedLambdaErrors...), scanapp.RetryableErrorName)...),
			Interval: awscdk.Duration_Seconds(jsii.Number(2)), BackoffRate: jsii.Number(2), MaxAttempts: jsii.Number(6),
			MaxDelay: awscdk.Duration_Seconds(jsii.Number(60)), JitterStrategy: awsstepfunctions.JitterType_FULL,
		})
		return t
	}
	// The plan gets the map's two bounds and answers the concurrency the
	// map reads ($.plan.concurrency, scanapp.Plan).
	planInput := awsstepfunctions.TaskInput_FromObject(&map[string]any{
		"scan_id":         awsstepfunctions.JsonPath_StringAt(jsii.String("$.scan_id")),
		"max_concurrency": s.Organization.ShardConcurrency,
		"per_account":     s.Organization.ShardsPerAccount,
	})
	planTask := invoke(statePlan, plan, planInput, "$.plan")
	shardTask := invoke(stateShard, shard, nil, "$") // the item is the shard; its summary, the result
	shards := awsstepfunctions.NewDistributedMap(scope, jsii.String(stateShards), &awsstepfunctions.DistributedMapProps{
		ItemReader: awsstepfunctions.NewS3JsonItemReader(&awsstepfunctions.S3FileItemReaderProps{
			Bucket: plans, Key: awsstepfunctions.JsonPath_StringAt(jsii.String("$.plan.key")),
		}),
		MaxConcurrencyPath:         jsii.String("$.plan.concurrency"),
		ToleratedFailurePercentage: jsii.Number(float64(s.Organization.ToleratedFailurePercent)),
		ResultWriterV2:             awsstepfunctions.NewResultWriterV2(&awsstepfunctions.ResultWriterV2Props{Bucket: plans, Prefix: jsii.String("results")}),
		ResultPath:                 jsii.String("$.shards"),
		MapExecutionType:           awsstepfunctions.StateMachineType_STANDARD,
		Label:                      jsii.String(stateShards),
	})
	shards.ItemProcessor(shardTask, &awsstepfunctions.ProcessorConfig{
		Mode: awsstepfunctions.ProcessorMode_DISTRIBUTED, ExecutionType: awsstepfunctions.ProcessorType_STANDARD,
	})
	afterFailure := invoke(stateFinalizeAfterMap, finalize, scanOnly, "$.snapshot").
		Next(awsstepfunctions.NewFail(scope, jsii.String(stateShardsFailed), &awsstepfunctions.FailProps{
			Error: jsii.String("ShardsFailed"),
			Cause: jsii.String("More shards failed than cloudscope:toleratedFailurePercent allows; the snapshot holds what was read"),
		}))
	shards.AddCatch(afterFailure, &awsstepfunctions.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.shards_error")})
	definition := planTask.Next(shards).Next(invoke(stateFinalize, finalize, scanOnly, "$.snapshot"))

	key := awskms.NewKey(scope, jsii.String("ScanLogsKey"), &awskms.KeyProps{
		EnableKeyRotation: jsii.Bool(true), Description: jsii.String("cloudscope scan state machine logs"),
	})
	stack := awscdk.Stack_Of(scope)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("LogsEncrypt"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("arn:"), stack.Partition(), jsii.String(":logs:"), stack.Region(), jsii.String(":"), stack.Account(), jsii.String(":log-group:*")})}},
	}), nil)
	logs := awslogs.NewLogGroup(scope, jsii.String("ScanMachineLogs"), &awslogs.LogGroupProps{
		// Step Functions' log delivery needs no resource policy under this prefix.
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("/aws/vendedlogs/states/"), stack.StackName(), jsii.String("-scan")}),
		Retention:     retention,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	sm := awsstepfunctions.NewStateMachine(scope, jsii.String("ScanMachine"), &awsstepfunctions.StateMachineProps{
		Comment:          jsii.String("cloudscope: a scan of many accounts, plan -> shards -> finalize"),
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromChainable(definition),
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		// As long as the scan's lease: no second scan starts while this one may run.
		Timeout:        awscdk.Duration_Seconds(jsii.Number(scan.StateMachineLeaseDuration.Seconds())),
		TracingEnabled: jsii.Bool(true),
		Logs:           &awsstepfunctions.LogOptions{Destination: logs, Level: awsstepfunctions.LogLevel_ALL, IncludeExecutionData: jsii.Bool(false)},
	})
	// CDK's grants for the state machine, each wildcard named.
	cdknag.NagSuppressions_AddResourceSuppressions(sm, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Invoking a state's function includes its versions and aliases (<function ARN>:*); the map reads the plan " +
			"and writes its results among the plan bucket's objects only; log delivery and X-Ray support no resource-level permissions; " +
			"the Distributed Map describes, stops and redrives its own child executions, which are named at run time."),
		AppliesTo: &[]any{
			map[string]any{"regex": "/^Resource::<Functions(Plan|Shard|Finalize)[A-Z0-9]+\\.Arn>:\\*$/"},
			map[string]any{"regex": "/^Resource::arn:<AWS::Partition>:s3:::<FleetPlans[A-Z0-9]+>\\/\\*$/"},
			"Resource::*",
			map[string]any{"regex": "/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*:\\*$/"},
		},
	}}, jsii.Bool(true))
	return sm
}

// MemberRolePolicy is the policy of the role each member account gets: the
// reads a shard makes inside a member (discovery, its regions, metrics),
// from the same lists as every other grant, nothing else. Costs are read
// once, from the management account, by finalize.
func MemberRolePolicy() map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":      "CloudscopeMemberRead",
			"Effect":   "Allow",
			"Action":   memberActions(),
			"Resource": "*",
		}},
	}
}

// memberTemplate is the StackSet's template: the reader role, trusted only
// by the roles named in its ScanRoleArns parameter, and only while they
// belong to organization org.
func memberTemplate(f OrganizationSettings) string {
	doc := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "cloudscope: the read-only role a cloudscope scan of the organization assumes in this account",
		"Parameters": map[string]any{
			"ScanRoleArns": map[string]any{"Type": "CommaDelimitedList", "Description": "The cloudscope roles that may assume the reader role"},
		},
		"Resources": map[string]any{
			"ReaderRole": map[string]any{
				"Type": "AWS::IAM::Role",
				"Properties": map[string]any{
					"RoleName":           f.MemberRole,
					"Description":        "cloudscope: reads this account for the organization's scan; nothing else",
					"MaxSessionDuration": 3600,
					"AssumeRolePolicyDocument": map[string]any{
						"Version": "2012-10-17",
						"Statement": []map[string]any{{
							"Effect":    "Allow",
							"Principal": map[string]any{"AWS": map[string]any{"Ref": "ScanRoleArns"}},
							"Action":    "sts:AssumeRole",
							"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": f.OrgID}},
						}},
					},
					"Policies": []map[string]any{{"PolicyName": "cloudscope-read", "PolicyDocument": MemberRolePolicy()}},
				},
			},
		},
		"Outputs": map[string]any{"ReaderRoleArn": map[string]any{"Value": map[string]any{"Fn::GetAtt": []string{"ReaderRole", "Arn"}}}},
	}
	raw, _ := json.Marshal(doc)
	return string(raw)
}

// newMemberRoleStackSet deploys the reader role to every account of the
// member OUs, and to each account that joins them later (service-managed
// permissions, automatic deployment), trusting the plan and shard roles.
func newMemberRoleStackSet(scope constructs.Construct, s Settings, trusted ...awsiam.IRole) awscloudformation.CfnStackSet {
	stack := awscdk.Stack_Of(scope)
	arns := make([]*string, len(trusted))
	for i, r := range trusted {
		arns[i] = r.RoleArn()
	}
	callAs := "SELF"
	if s.Organization.DelegatedAdmin {
		callAs = "DELEGATED_ADMIN"
	}
	return awscloudformation.NewCfnStackSet(scope, jsii.String("MemberRole"), &awscloudformation.CfnStackSetProps{
		StackSetName:     awscdk.Fn_Join(jsii.String("-"), &[]*string{stack.StackName(), jsii.String("member-role")}),
		Description:      jsii.String("cloudscope: the reader role in every member account"),
		PermissionModel:  jsii.String("SERVICE_MANAGED"),
		CallAs:           jsii.String(callAs),
		AutoDeployment:   &awscloudformation.CfnStackSet_AutoDeploymentProperty{Enabled: jsii.Bool(true), RetainStacksOnAccountRemoval: jsii.Bool(false)},
		Capabilities:     jsii.Strings("CAPABILITY_NAMED_IAM"),
		ManagedExecution: map[string]any{"Active": true}, // the typed property renders as "active", which CloudFormation refuses
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			FailureTolerancePercentage: jsii.Number(10), MaxConcurrentPercentage: jsii.Number(25), RegionConcurrencyType: jsii.String("PARALLEL"),
		},
		Parameters: &[]*awscloudformation.CfnStackSet_ParameterProperty{{
			ParameterKey: jsii.String("ScanRoleArns"), ParameterValue: awscdk.Fn_Join(jsii.String(","), &arns),
		}},
		// IAM is global: one stack per account, in this stack's region.
		StackInstancesGroup: []any{&awscloudformation.CfnStackSet_StackInstancesProperty{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{OrganizationalUnitIds: jsii.Strings(s.Organization.MemberOUs...)},
			Regions:           &[]*string{stack.Region()},
		}},
		TemplateBody: jsii.String(memberTemplate(s.Organization)),
	})
}

// memberRoleArns is every account's member role, which plan and shard may assume.
func memberRoleArns(scope constructs.Construct, role string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), awscdk.Stack_Of(scope).Partition(), jsii.String(":iam::*:role/" + role)})
}
