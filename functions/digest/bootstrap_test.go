package main

// The artifact tier: the built digest bootstrap runs under the Lambda
// Runtime Interface Emulator against moto (a table holding a stored scan,
// a topic), is invoked with the weekly digest's fixture, and publishes the
// digest of that scan; a scan's event it refuses; without its table it does
// not start.

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestBootstrapSendsTheWeeklyDigest(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	clients := moto.Clients(t)
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	topic, err := snsclient.In(clients, "us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("findings")})
	if err != nil {
		t.Fatal(err)
	}
	// A scan stored yesterday, as the finalize stores one (accounts=self).
	at := time.Now().UTC().Add(-24 * time.Hour)
	store := dynamostore.NewSnapshotStoreFor(dynamodbclient.Home(clients), "cloudscope", 0, nil, services.Identity(appconfig.Config{}, clients))
	stored := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "scheduled-1", StartedAt: at, FinishedAt: at.Add(time.Minute),
		Outcome: cloudscope.OutcomeComplete, Calls: map[string]int{}, Errors: []cloudscope.Failure{}, Notification: cloudscope.NotifyNone},
		Resources: []cloudscope.Resource{}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	if err := store.Save(ctx, stored); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "digest"), append(moto.Env(),
		"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_TOPIC_ARN="+aws.ToString(topic.TopicArn)))

	digest, err := os.ReadFile("../../events/digest/weekly-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	var week scan.DigestSummary
	if err := json.Unmarshal(fn.Invoke(t, digest), &week); err != nil {
		t.Fatal(err)
	}
	if !week.Sent || week.Snapshot != stored.ID {
		t.Errorf("weekly digest: %+v\n%s", week, fn.Logs())
	}
	// A scan's event starts nothing here: scans run on the state machine.
	if out := string(fn.Invoke(t, []byte(`{"scan_id": "manual-20261126T090000Z-0a1b2c3d"}`))); !strings.Contains(out, "state machine") {
		t.Errorf("a scan's event answered %s", out)
	}
	if d, err := fn.InitDuration(); err == nil {
		t.Logf("cold-start init (INIT REPORT): %s", d)
	}
}

// TestBootstrapRefusesToStartWithoutTheTable: without CLOUDSCOPE_TABLE the
// digest would read no scan; instead the start fails, and both the
// invocation's answer and the log name the setting.
func TestBootstrapRefusesToStartWithoutTheTable(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "digest"), append(moto.Env(),
		"CLOUDSCOPE_TABLE=", "CLOUDSCOPE_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:findings"))
	event, err := os.ReadFile("../../events/digest/weekly-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, event, "CLOUDSCOPE_TABLE is not set")
}
