package scan_test

// End to end against moto: the demo account with its metric history and
// costs, the snapshot in DynamoDB, the notification through SNS to SQS.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// topicWithQueue makes a topic and an SQS queue subscribed to it.
func topicWithQueue(t *testing.T, clients *awsconf.Clients) (string, func() []map[string]any) {
	t.Helper()
	ctx := context.Background()
	topic, err := snsclient.In(clients, "us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("cloudscope-findings")})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(clients.Config())
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("findings")})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:sqs:us-east-1:" + mototest.AccountID + ":findings"
	if _, err := snsclient.In(clients, "us-east-1").Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	receive := func() []map[string]any {
		var out []map[string]any
		for {
			r, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Messages) == 0 {
				return out
			}
			for _, m := range r.Messages {
				var env map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
					t.Fatal(err)
				}
				out = append(out, env)
				_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: queue.QueueUrl, ReceiptHandle: m.ReceiptHandle})
			}
		}
	}
	return aws.ToString(topic.TopicArn), receive
}

func TestMotoScanEndToEnd(t *testing.T) {
	scan.Moto().Reset(t)
	ctx := context.Background()
	clients := awsconf.NewClients(scan.Moto().Config(t, "us-east-1", awsconf.Options{}))
	if _, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf); err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	topic, receive := topicWithQueue(t, clients)

	store := dynamostore.NewSnapshotStore(dynamodbclient.Home(clients), "cloudscope", 0, nil)
	newScanner := func(topicARN string) *scan.Scanner {
		return scan.New(scan.Deps{
			Discovery:  discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{}),
			Metrics:    metrics.New(metrics.ClientsFrom(clients), metricquery.Options{NoPercentiles: true}),
			Costs:      costs.New(costs.ClientFrom(clients), nil, costquery.Options{}),
			Store:      store,
			Notifier:   snsnotify.New(snsclient.In(clients, "us-east-1"), topicARN),
			Thresholds: bottleneck.Defaults,
			Progress:   func(p scan.Progress) { t.Logf("%s %s: %s", time.Now().Format("15:04:05.000"), p.Step, p.Detail) },
		})
	}
	s := newScanner(topic)

	r, err := s.Run(ctx, "evt-1", demo.Regions)
	if err != nil {
		t.Fatal(err)
	}
	snap := r.Snapshot
	var got []string
	for _, f := range snap.Findings {
		name := f.ResourceName
		if name == "" {
			name = f.ResourceID
		}
		got = append(got, f.Rule+"@"+name)
	}
	for _, want := range []string{"ec2.high_cpu@batch-worker", "ec2.sustained_high_cpu@batch-worker", "ec2.underutilised@legacy-reporting",
		"ec2.cpu_credits_exhausted@web-2", "rds.idle@reporting-db", "rds.low_storage@orders-db", "lambda.throttled@order-webhook",
		"lambda.near_timeout@order-webhook", "lambda.error_rate@invoice-pdf"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing finding %s; got %v", want, got)
		}
	}
	for _, unwanted := range []string{"ec2.high_cpu@web-1", "rds.idle@orders-db", "lambda.error_rate@image-resizer", "ec2.cpu_credits_exhausted@web-1"} {
		if slices.Contains(got, unwanted) {
			t.Errorf("false finding %s", unwanted)
		}
	}
	if snap.Costs == nil || snap.Notification != cloudscope.NotifySent || len(snap.Errors) != 0 {
		t.Errorf("costs %v, notification %s, errors %v", snap.Costs, snap.Notification, snap.Errors)
	}

	// The snapshot reads back equal.
	stored, err := store.Get(ctx, "evt-1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(snap)
	b, _ := json.Marshal(stored)
	if string(a) != string(b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		from := max(0, i-200)
		t.Errorf("the stored snapshot differs from the scan's at byte %d:\n%.400s\n%.400s", i, a[from:], b[from:])
	}

	msgs := receive()
	if len(msgs) != 1 {
		t.Fatalf("%d messages for the first scan, want 1", len(msgs))
	}
	body := msgs[0]["Message"].(string)
	attrs := msgs[0]["MessageAttributes"].(map[string]any)
	if !strings.Contains(body, "batch-worker") || attrs["highest_severity"].(map[string]any)["Value"] != "critical" ||
		attrs["new_findings"].(map[string]any)["Value"] != fmt.Sprint(len(snap.Findings)) {
		t.Errorf("message %.300s, attributes %v", body, attrs)
	}

	// Unchanged: a snapshot, no message. The same event again: nothing more.
	if _, err := s.Run(ctx, "evt-2", demo.Regions); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Run(ctx, "evt-2", demo.Regions); err != nil || !r.Duplicate {
		t.Errorf("duplicate delivery: %v %v", r, err)
	}
	if msgs := receive(); len(msgs) != 0 {
		t.Errorf("%d messages for an unchanged re-scan and a duplicate", len(msgs))
	}
	if hs, err := store.List(ctx, 10); err != nil || len(hs) != 2 || hs[0].ID != "evt-2" {
		t.Errorf("snapshots %v %v", hs, err)
	}

	// Something new while SNS fails: pending; the next scan delivers it.
	// (These two scans cover us-east-1 alone: the emulator's GetMetricData
	// takes seconds a region.)
	hot := hotInstance(t, clients)
	east := []string{"us-east-1"}
	r, err = newScanner("arn:aws:sns:us-east-1:"+mototest.AccountID+":no-such-topic").Run(ctx, "evt-3", east)
	if err != nil {
		t.Fatal(err)
	}
	if r.Snapshot.Notification != cloudscope.NotifyPending {
		t.Fatalf("after a failed publish: %s", r.Snapshot.Notification)
	}
	if _, err := s.Run(ctx, "evt-4", east); err != nil {
		t.Fatal(err)
	}
	msgs = receive()
	if len(msgs) != 1 || !strings.Contains(msgs[0]["Message"].(string), hot) {
		t.Errorf("the pending notification was not delivered: %d messages", len(msgs))
	}
	if h, _ := store.Get(ctx, "evt-3"); h.Notification != cloudscope.NotifySent {
		t.Errorf("evt-3 still says %s", h.Notification)
	}
}

// hotInstance starts an instance with 14 days of high CPU and returns its id.
func hotInstance(t *testing.T, clients *awsconf.Clients) string {
	ctx := context.Background()
	out, err := ec2client.In(clients, "us-east-1").RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeM5Large,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	end := time.Now().UTC().Truncate(time.Hour)
	var data []cwtypes.MetricDatum
	for h := 1; h <= 48; h++ {
		data = append(data, cwtypes.MetricDatum{MetricName: aws.String("CPUUtilization"), Value: aws.Float64(99), Timestamp: aws.Time(end.Add(-time.Duration(h) * time.Hour)),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(id)}}})
	}
	if _, err := cloudwatchclient.In(clients, "us-east-1").PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/EC2"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	return id
}
