package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// apiFunctions are the functions behind the API's routes.
var apiFunctions = []string{"discovery", "metrics", "costs", "bottlenecks"}

// newAPIAlarms tells the topic when a function behind the API fails
// (a crash or a timeout: its handler answers bad input and AWS trouble
// itself, so any Lambda error is one to look at).
func newAPIAlarms(scope constructs.Construct, id string, fns *Compute, alerts *Alerts) {
	c := constructs.NewConstruct(scope, jsii.String(id))
	for _, name := range apiFunctions {
		fn, ok := fns.ByName[name]
		if !ok {
			continue
		}
		alarm := awscloudwatch.NewAlarm(c, jsii.String(title(name)+"Errors"), &awscloudwatch.AlarmProps{
			Metric:             fn.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String("The cloudscope " + name + " function failed (a crash or a timeout): see its log"),
		})
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(alerts.Topic))
	}
}
