package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/services/deployed"
)

// StackProps are the stack's settings.
type StackProps struct {
	awscdk.StackProps
	Settings Settings
}

// Route is one API route and the function behind it.
type Route struct{ Method, Path, Function string }

// Routes are every route of the OpenAPI document (a test keeps them equal),
// from the functions' manifests (deployed.Manifests).
var Routes = func() []Route {
	var out []Route
	for _, m := range deployed.Manifests {
		for _, r := range m.Routes {
			out = append(out, Route{r.Method, r.Path, m.Name})
		}
	}
	return out
}()

var logRetention = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS,
	30: awslogs.RetentionDays_ONE_MONTH, 90: awslogs.RetentionDays_THREE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS,
	365: awslogs.RetentionDays_ONE_YEAR,
}

// NewStack builds the whole application, one construct per concern: data,
// alerts, functions, API, schedule, (unless cloudscope:dashboard=false) the
// dashboard, and the notifications' chat topic and weekly digest.
func NewStack(scope constructs.Construct, id string, props *StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	// The Distributed Map's result writer in its current form.
	stack.Node().SetContext(jsii.String("@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2"), true)
	s := props.Settings
	retention := logRetention[s.LogRetentionDays] // Settings.Validate checked it
	data := NewData(stack, "Data")
	alerts := NewAlerts(stack, "Alerts", s)
	fns := NewCompute(stack, "Functions", s, retention, data, alerts)
	newAPIAlarms(stack, "APIAlarms", fns, alerts)
	NewAPI(stack, "Api", retention, fns)
	// Every scan, of one account or many, runs on the state machine. The
	// construct keeps its first id, "Fleet": another id would replace the
	// deployed bucket, state machine and StackSet.
	scans := NewScans(stack, "Fleet", s, retention, fns, alerts)
	NewSchedule(stack, "Schedule", s, scans, alerts)
	var dash *Dashboard
	if s.Dashboard {
		dash = NewDashboard(stack, "Dashboard", s, retention, fns)
	}
	NewNotifications(stack, "Notifications", s, []awslambda.Function{fns.ByName["finalize"], fns.ByName["digest"]}, fns.ByName["digest"], alerts, dash)

	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	suppress(stack)
	return stack
}

// Data is the one DynamoDB table: point-in-time recovery, encryption, a TTL,
// kept when the stack goes.
type Data struct {
	constructs.Construct
	Table awsdynamodb.Table
}

// NewData builds the table.
func NewData(scope constructs.Construct, id string) *Data {
	c := constructs.NewConstruct(scope, jsii.String(id))
	return &Data{Construct: c, Table: awsdynamodb.NewTable(c, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:                          &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute:              jsii.String("expires_at"),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		Encryption:                       awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection:               jsii.Bool(true),
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
	})}
}

// Alerts is the findings topic and its key.
type Alerts struct {
	constructs.Construct
	Key   awskms.Key
	Topic awssns.Topic
}

// NewAlerts builds a topic encrypted with its own key (CloudWatch alarms
// cannot publish to one under the AWS-managed key) that refuses plain HTTP,
// with an optional e-mail subscription.
func NewAlerts(scope constructs.Construct, id string, s Settings) *Alerts {
	c := constructs.NewConstruct(scope, jsii.String(id))
	key := awskms.NewKey(c, jsii.String("TopicKey"), &awskms.KeyProps{
		EnableKeyRotation: jsii.Bool(true),
		Description:       jsii.String("cloudscope findings topic"),
	})
	stack := awscdk.Stack_Of(c)
	// This account's alarms, and nothing else, may use the key and publish.
	alarmsOnly := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("arn:"), stack.Partition(), jsii.String(":cloudwatch:"), stack.Region(), jsii.String(":"), stack.Account(), jsii.String(":alarm:*")})},
	}
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: alarmsOnly,
	}), nil)
	topic := awssns.NewTopic(c, jsii.String("Findings"), &awssns.TopicProps{MasterKey: key, EnforceSSL: jsii.Bool(true)})
	// The TLS-only policy replaces SNS's default one: allow the alarms back in.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: alarmsOnly,
	}))
	if s.AlertEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.AlertEmail), nil))
	}
	return &Alerts{Construct: c, Key: key, Topic: topic}
}

// Compute is the Lambda functions, one per manifest: the API's, the
// digest, and the scan's three states.
type Compute struct {
	constructs.Construct
	ByName map[string]awslambda.Function
}

// NewCompute builds each deployed function from its manifest
// (deployed.Manifests): its own role granting exactly its packages'
// actions, an environment holding exactly the settings its code reads, its
// memory, timeout and reserved concurrency (the state machine, in
// organization.go, lets the function that starts scans start them).
func NewCompute(scope constructs.Construct, id string, s Settings, retention awslogs.RetentionDays, data *Data, alerts *Alerts) *Compute {
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Compute{Construct: c, ByName: map[string]awslambda.Function{}}
	for _, m := range s.Deployed() {
		f.ByName[m.Name] = newFunction(c, m, s, retention, data.Table, alerts.Topic, alerts.Key)
	}
	return f
}

func title(name string) string { return strings.ToUpper(name[:1]) + name[1:] }

func newFunction(stack constructs.Construct, m appconfig.Manifest, s Settings, retention awslogs.RetentionDays, table awsdynamodb.Table, topic awssns.Topic, key awskms.Key) awslambda.Function {
	name := m.Name
	id := title(name)
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("cloudscope " + name + " function: the actions its code calls, nothing more"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("Logs"), Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn(), jsii.String(*logs.LogGroupArn() + ":*")},
	}))
	g := m.Grants
	readAccount := g.Account
	if s.Organization.On() && readsOrganizationCosts(m) {
		readAccount = appconfig.Union(readAccount, accounts.ManagementIAMActions)
		costRoleGrant(stack, role, s)
	}
	if len(readAccount) > 0 {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadAccount"), Actions: jsii.Strings(readAccount...), Resources: jsii.Strings("*"),
		}))
	}
	if g.AssumesMemberRole && s.Organization.On() {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("AssumeMemberRole"), Actions: jsii.Strings(assumeRoleActions...), Resources: &[]*string{memberRoleArns(stack, s.Organization.MemberRole)},
			// Only roles of the organization's own accounts, not any
			// account's role of that name.
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": s.Organization.OrgID}},
		}))
	}
	if len(g.Table) > 0 {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("Table"), Actions: jsii.Strings(g.Table...), Resources: &[]*string{table.TableArn()},
		}))
	}
	if len(g.Topic) > 0 {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("Topic"), Actions: jsii.Strings(g.Topic...), Resources: &[]*string{topic.TopicArn()},
		}))
	}
	if len(g.TopicKey) > 0 {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("TopicKey"), Actions: jsii.Strings(g.TopicKey...), Resources: &[]*string{key.KeyArn()},
		}))
	}
	// What the stack can tell a function; each gets those its code reads.
	values := map[string]*string{
		appconfig.EnvTable:     table.TableName(),
		appconfig.EnvRetention: jsii.String(fmt.Sprint(s.RetentionDays)),
		appconfig.EnvTopic:     topic.TopicArn(),
	}
	if s.Organization.On() {
		values[appconfig.EnvAccounts] = jsii.String(s.Organization.Accounts)
		values[appconfig.EnvMemberRole] = jsii.String(s.Organization.MemberRole)
	}
	if s.Thresholds != "" {
		values[appconfig.EnvThresholds] = jsii.String(s.Thresholds)
	}
	if s.Organization.Regions != "" {
		values[appconfig.EnvRegions] = jsii.String(s.Organization.Regions)
	}
	if s.Organization.SkipRegions != "" {
		values[appconfig.EnvSkipRegions] = jsii.String(s.Organization.SkipRegions)
	}
	env := map[string]*string{}
	for _, k := range m.Reads() {
		if v, ok := values[k]; ok {
			env[k] = v
		}
	}
	var reserved *float64
	if s.ReserveConcurrency {
		reserved = jsii.Number(float64(m.Concurrency))
		if name == "shard" { // as many as the map runs at once
			reserved = jsii.Number(float64(s.Organization.ShardConcurrency))
		}
	}
	// Account actions take Resource * (no resource-level permissions exist
	// for them) and log streams are named by the log group's ARN and :*.
	applies := []any{"Resource::*", map[string]any{"regex": "/^Resource::<Functions" + id + "Logs[A-Z0-9]+\\.Arn>:\\*$/"}}
	if g.AssumesMemberRole && s.Organization.On() {
		applies = append(applies, "Resource::arn:<AWS::Partition>:iam::*:role/"+s.Organization.MemberRole)
	}
	if len(g.PlanBucket) > 0 {
		applies = append(applies, map[string]any{"regex": "/^Resource::<FleetPlans[A-Z0-9]+\\.Arn>\\/plans\\/\\*$/"})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Describe/List, GetMetricData and Cost Explorer actions support no resource-level permissions; " +
			"log streams are addressed as <log group ARN>:*; the member role is the same name in every member account; " +
			"plans are the plan bucket's objects under plans/. Every other statement names its table, topic, key or function."),
		AppliesTo: &applies,
	}}, jsii.Bool(true))
	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(filepath.Join(s.AssetDir, name)), nil),
		MemorySize:                   jsii.Number(float64(m.MemoryMB)),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(float64(m.TimeoutSeconds))),
		ReservedConcurrentExecutions: reserved,
		Role:                         role,
		LogGroup:                     logs,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        awslambda.ApplicationLogLevel_INFO,
		Environment:                  &env,
		Description:                  jsii.String("cloudscope " + name),
	})
}

// NewAPI puts every route behind IAM (SigV4) authorization, for programs,
// with stage throttling and access logs.
func NewAPI(scope constructs.Construct, id string, retention awslogs.RetentionDays, functions *Compute) awsapigatewayv2.HttpApi {
	c := constructs.NewConstruct(scope, jsii.String(id))
	api := newHTTPAPI(c, "cloudscope: every route needs authorization", retention, "$context.identity.caller")
	addRoutes(api, functions, awsapigatewayv2authorizers.NewHttpIamAuthorizer())
	awscdk.NewCfnOutput(awscdk.Stack_Of(c), jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: api.ApiEndpoint()})
	return api
}

// newHTTPAPI builds an HTTP API (as "Api" in scope) with stage throttling
// and access logs in its own log group; caller is the access log's context
// variable naming who called.
func newHTTPAPI(scope constructs.Construct, description string, retention awslogs.RetentionDays, caller string) awsapigatewayv2.HttpApi {
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{Description: jsii.String(description)})
	accessLogs := awslogs.NewLogGroup(scope, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format: jsii.String(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","caller":"` + caller + `",` +
			`"routeKey":"$context.routeKey","status":"$context.status","latencyMs":"$context.responseLatency"}`),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingBurstLimit: jsii.Number(20), ThrottlingRateLimit: jsii.Number(10),
	})
	return api
}

// addRoutes adds every route to api, each to its function, each behind
// authorizer. An integration belongs to one API, so each API gets its own.
func addRoutes(api awsapigatewayv2.HttpApi, functions *Compute, authorizer awsapigatewayv2.IHttpRouteAuthorizer) {
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range Routes {
		in, ok := integrations[r.Function]
		if !ok {
			in = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(title(r.Function)+"Integration"), functions.ByName[r.Function], nil)
			integrations[r.Function] = in
		}
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path: jsii.String(r.Path), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: in, Authorizer: authorizer,
		})
	}
}

// NewSchedule starts the scan daily: an execution of the state machine
// with {"scan_id": <the event's id>}, so that a retried delivery is the
// same scan (its plan finds it stored, or running). A delivery that fails
// is retried, then kept in a queue; a message there alarms. A scan that
// fails alarms through the state machine's own alarms (organization.go).
func NewSchedule(scope constructs.Construct, id string, s Settings, scans *Scans, alerts *Alerts) {
	stack := constructs.NewConstruct(scope, jsii.String(id))
	topic := alerts.Topic
	dlq := awssqs.NewQueue(stack, jsii.String("ScanDeadLetters"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_SQS_MANAGED, EnforceSSL: jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	rule := awsevents.NewRule(stack, jsii.String("DailyScan"), &awsevents.RuleProps{
		Schedule:    awsevents.Schedule_Expression(jsii.String(s.Schedule)),
		Description: jsii.String("cloudscope: the daily full scan"),
	})
	rule.AddTarget(awseventstargets.NewSfnStateMachine(scans.StateMachine, &awseventstargets.SfnStateMachineProps{
		Input:         awsevents.RuleTargetInput_FromObject(map[string]any{"scan_id": awsevents.EventField_FromPath(jsii.String("$.id"))}),
		RetryAttempts: jsii.Number(2), MaxEventAge: awscdk.Duration_Hours(jsii.Number(2)), DeadLetterQueue: dlq,
	}))
	dead := awscloudwatch.NewAlarm(stack, jsii.String("DeadLettersWaiting"), &awscloudwatch.AlarmProps{
		Metric:             dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String("A cloudscope scan could not be started: see the dead-letter queue"),
	})
	dead.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
}

// suppress records, with a reason each, the cdk-nag findings that do not apply.
func suppress(stack awscdk.Stack) {
	cdknag.NagSuppressions_AddStackSuppressions(stack, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SQS3"), Reason: jsii.String("This queue is itself the scan's dead-letter queue.")},
	}, jsii.Bool(true))
}
