package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Notifications is what the scan's notifications (the finalize's) and the
// weekly digest need beyond the findings topic: the chat channels' topic, when cloudscope:chatTopic is
// true, and the weekly digest's schedule, unless cloudscope:digestSchedule
// is off.
type Notifications struct {
	constructs.Construct
	ChatTopic awssns.Topic // nil without one
	Digest    awsevents.Rule
}

// DigestEvent is what the weekly schedule sends the digest function
// (shared/scanapp.IsDigest).
var DigestEvent = map[string]any{"digest": true}

// NewNotifications gives the functions that notify (the finalize, the
// digest) the dashboard's address for the links in their messages (when
// the dashboard is deployed) and the chat topic (encrypted with the
// findings topic's key, TLS only), and the digest function its weekly
// schedule.
func NewNotifications(scope constructs.Construct, id string, s Settings, notifiers []awslambda.Function, digest awslambda.Function, alerts *Alerts, dash *Dashboard) *Notifications {
	c := constructs.NewConstruct(scope, jsii.String(id))
	n := &Notifications{Construct: c}
	for _, fn := range notifiers {
		if dash != nil {
			fn.AddEnvironment(jsii.String(appconfig.EnvDashboardURL), dash.URL(), nil)
		}
	}
	if s.ChatTopic {
		n.ChatTopic = awssns.NewTopic(c, jsii.String("Chat"), &awssns.TopicProps{MasterKey: alerts.Key, EnforceSSL: jsii.Bool(true),
			DisplayName: jsii.String("cloudscope chat")})
		for _, fn := range notifiers {
			fn.AddEnvironment(jsii.String(appconfig.EnvChatTopic), n.ChatTopic.TopicArn(), nil)
			// The key's grants (TopicKey) already cover this topic: one key for both.
			fn.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("ChatTopic"), Actions: jsii.Strings(snsnotify.IAMActions...), Resources: &[]*string{n.ChatTopic.TopicArn()},
			}))
		}
		awscdk.NewCfnOutput(awscdk.Stack_Of(c), jsii.String("ChatTopicArn"), &awscdk.CfnOutputProps{
			Value:       n.ChatTopic.TopicArn(),
			Description: jsii.String("Point an Amazon Q Developer in chat applications (AWS Chatbot) Slack or Teams channel configuration at this topic"),
		})
	}
	if s.DigestSchedule != DigestOff {
		n.Digest = awsevents.NewRule(c, jsii.String("WeeklyDigest"), &awsevents.RuleProps{
			Schedule:    awsevents.Schedule_Expression(jsii.String(s.DigestSchedule)),
			Description: jsii.String("cloudscope: the weekly digest"),
		})
		// A digest that fails is retried by Lambda's asynchronous invocation.
		n.Digest.AddTarget(awseventstargets.NewLambdaFunction(digest, &awseventstargets.LambdaFunctionProps{
			Event:         awsevents.RuleTargetInput_FromObject(DigestEvent),
			RetryAttempts: jsii.Number(2), MaxEventAge: awscdk.Duration_Hours(jsii.Number(2)),
		}))
		failed := awscloudwatch.NewAlarm(c, jsii.String("DigestErrors"), &awscloudwatch.AlarmProps{
			Metric:             digest.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Hours(jsii.Number(1))}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String("The cloudscope weekly digest failed: see the digest function's log"),
		})
		failed.AddAlarmAction(awscloudwatchactions.NewSnsAction(alerts.Topic))
	}
	return n
}
