package main

// The artifact tier: the built scan bootstrap runs under the Lambda Runtime
// Interface Emulator against moto (the demo account, a table, a topic), is
// invoked with the scheduled-event fixture, then with the same event again,
// then with the weekly digest's; without its table it does not start.

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestBootstrapScansOncePerEvent(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	clients := awsconf.NewClients(moto.Config(t, "", awsconf.Options{}))
	seeded, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	topic, err := snsclient.In(clients, "us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("findings")})
	if err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "scan"), append(moto.Env(),
		"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_TOPIC_ARN="+aws.ToString(topic.TopicArn), "CLOUDSCOPE_PERCENTILES=off"))

	event, err := os.ReadFile("../../events/scan/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	// The demo's 17 resources of the first four types, and its waste types'
	// (at least: the emulator may add snapshots of its own, of an AMI the
	// demo makes).
	var first, again scanapp.Summary
	if err := json.Unmarshal(fn.Invoke(t, event), &first); err != nil {
		t.Fatal(err)
	}
	if first.ScanID != "f2b0c7a4-6e1d-4c1e-9d55-1e2f3a4b5c6d" || first.Duplicate || first.Resources < 17+len(seeded.Waste) ||
		first.Findings < 9 ||
		first.Notification != cloudscope.NotifySent || first.Errors != 0 {
		t.Errorf("first delivery: %+v\n%s", first, fn.Logs())
	}
	if err := json.Unmarshal(fn.Invoke(t, event), &again); err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.ScanID != first.ScanID || again.Findings != first.Findings {
		t.Errorf("second delivery of the same event: %+v", again)
	}

	// The weekly digest's event: no scan, one summary of the stored snapshots.
	digest, err := os.ReadFile("../../events/scan/weekly-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	var week scanapp.Summary
	if err := json.Unmarshal(fn.Invoke(t, digest), &week); err != nil {
		t.Fatal(err)
	}
	if week.Digest == nil || !week.Digest.Sent || week.Digest.Snapshot != first.ScanID || week.ScanID != "" {
		t.Errorf("weekly digest: %+v %+v\n%s", week, week.Digest, fn.Logs())
	}
	if d, err := fn.InitDuration(); err == nil {
		t.Logf("cold-start init (INIT REPORT): %s", d)
	}
}

// TestBootstrapRefusesToStartWithoutTheTable: without CLOUDSCOPE_TABLE the
// scan would keep its snapshots in the instance's memory, where they vanish;
// instead the start fails, and both the invocation's answer and the log
// name the setting.
func TestBootstrapRefusesToStartWithoutTheTable(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "scan"), append(moto.Env(),
		"CLOUDSCOPE_TABLE=", "CLOUDSCOPE_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:findings"))
	event, err := os.ReadFile("../../events/scan/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, event, "CLOUDSCOPE_TABLE is not set")
}
