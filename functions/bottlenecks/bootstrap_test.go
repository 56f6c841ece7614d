package main

// The artifact tier: the built bottlenecks bootstrap runs under the Lambda
// Runtime Interface Emulator against moto, with a snapshot in the table, and
// answers each events/bottlenecks fixture as the API promises; POST /scans
// starts the state machine (moto's Step Functions) once, named after the
// scan; the live view has the built shard bootstrap, under the emulator
// behind a Lambda stand-in, run its shards; without its settings it does
// not start.

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

// scanMachine is a state machine's ARN, for the starts that stop before POST /scans.
const scanMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:cloudscope-scan"

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestBootstrapServesFixtures(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	clients := moto.Clients(t)
	client := dynamodbclient.Home(clients)
	if err := dynamostore.CreateTable(ctx, client, "cloudscope"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	snap := &cloudscope.Snapshot{
		SnapshotHeader: cloudscope.SnapshotHeader{ID: "f2b0c7a4-6e1d-4c1e-9d55-1e2f3a4b5c6d", StartedAt: now.Add(-time.Minute), FinishedAt: now, Regions: []string{"us-east-1"},
			Errors: []cloudscope.Failure{}, Calls: map[string]int{"discovery": 3}, Notification: cloudscope.NotifySent},
		Resources: []cloudscope.Resource{{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", Name: "batch-worker", Region: "us-east-1", State: "running",
			EC2: &cloudscope.EC2Details{InstanceType: "c5.xlarge"}}},
		Findings: []cloudscope.Finding{{ID: "ec2.high_cpu/ec2/us-east-1/i-0123456789abcdef0", Rule: "ec2.high_cpu", Severity: cloudscope.Warning,
			Title: "CPU peaked at 99.0%", ResourceType: cloudscope.EC2, ResourceID: "i-0123456789abcdef0", Region: "us-east-1",
			Observed: map[string]float64{"max_cpu_percent": 99}, Threshold: cloudscope.Threshold{Value: 80, Op: ">", Unit: "Percent", Source: bottleneck.Rules["ec2.high_cpu"]},
			Window: cloudscope.Window{Start: now.Add(-14 * 24 * time.Hour), End: now}, Evidence: []cloudscope.Point{{T: cloudscope.At(now.Add(-time.Hour)), V: 99}},
			Recommendation: "scale"}},
		Insufficient: []cloudscope.Insufficient{},
	}
	store := ownStore(client, clients)
	if err := store.Save(ctx, snap); err != nil {
		t.Fatal(err)
	}
	running := cloudscope.ScanStatus{ID: "manual-20261126T090000Z-0badc0de", State: cloudscope.StateRunning, Step: "metrics", Detail: "eu-west-1: 12 resources",
		RegionsDone: 3, Regions: 17, StartedAt: now.Add(-time.Minute), UpdatedAt: now}
	if err := store.SetStatus(ctx, running); err != nil {
		t.Fatal(err)
	}
	machines := sfn.NewFromConfig(moto.Config(t, "", awsconf.Options{}))
	machine, err := machines.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("cloudscope-scan"), RoleArn: aws.String("arn:aws:iam::" + mototest.AccountID + ":role/cloudscope-scan-machine"),
		Definition: aws.String(`{"StartAt": "Plan", "States": {"Plan": {"Type": "Pass", "End": true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The live view's waste: a volume attached to nothing and an address
	// associated with nothing, which the shard function finds without
	// metrics. Its shards run on the shard function's bootstrap, two
	// instances behind a Lambda stand-in (the region's and the buckets').
	ec2 := ec2client.In(clients, "us-east-1")
	vol, err := ec2.CreateVolume(ctx, &ec2sdk.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(100), VolumeType: ec2types.VolumeTypeGp2})
	if err != nil {
		t.Fatal(err)
	}
	eip, err := ec2.AllocateAddress(ctx, &ec2sdk.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	shards := lambdatest.StartService(t, lambdatest.Bootstrap(t, "shard"), append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope"), 2)
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "bottlenecks"), append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope",
		"CLOUDSCOPE_STATE_MACHINE="+aws.ToString(machine.StateMachineArn), "CLOUDSCOPE_SHARD_FUNCTION=cloudscope-shard", awsconf.EnvLambdaEndpoint+"="+shards.URL))
	fn.ServeFixtures(t, "../../events/bottlenecks", map[string]lambdatest.Expect{
		"get-bottlenecks.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var d struct {
				SnapshotID string               `json:"snapshot_id"`
				Findings   []cloudscope.Finding `json:"findings"`
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || d.SnapshotID != snap.ID || len(d.Findings) != 1 || d.Findings[0].Threshold.Value != 80 {
				t.Errorf("%s", r.Data)
			}
		}),
		"get-snapshots.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var d struct{ Snapshots []cloudscope.SnapshotHeader }
			if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Snapshots) != 1 || d.Snapshots[0].ID != snap.ID {
				t.Errorf("%s", r.Data)
			}
		}),
		"get-snapshot.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var got cloudscope.Snapshot
			if err := json.Unmarshal(r.Data, &got); err != nil || len(got.Resources) != 1 || got.Resources[0].Name != "batch-worker" {
				t.Errorf("%s", r.Data)
			}
		}),
		"get-scan-status.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var got cloudscope.ScanStatus
			if err := json.Unmarshal(r.Data, &got); err != nil || got != running {
				t.Errorf("%s, want %+v", r.Data, running)
			}
		}),
		// A scan of many accounts: one execution of the state machine, named
		// after the scan, which GET /scans/{id} then follows.
		"post-scans.json": {Status: 202, Check: func(t *testing.T, r lambdatest.Reply) {
			var started struct {
				ID     string `json:"scan_id"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal(r.Data, &started); err != nil || started.ID == "" || started.Status != "started" || r.Headers["Location"] != "/scans/"+started.ID {
				t.Fatalf("%s %v", r.Data, r.Headers)
			}
			list, err := machines.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: machine.StateMachineArn})
			if err != nil || len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != started.ID {
				t.Fatalf("executions %+v %v", list, err)
			}
			ex, err := machines.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: list.Executions[0].ExecutionArn})
			if err != nil || aws.ToString(ex.Input) != `{"scan_id":"`+started.ID+`"}` {
				t.Errorf("input %q %v", aws.ToString(ex.Input), err)
			}
			if st, err := store.Status(ctx, started.ID); err != nil || st == nil || st.State != cloudscope.StateQueued {
				t.Errorf("status %+v %v", st, err)
			}
		}},
		// No scan recorded in the ledger yet: nothing realized, nothing open.
		"get-savings.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var d struct {
				From, To string
				Realized struct{ Monthly string }
				Entries  []json.RawMessage
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || d.Realized.Monthly != "0.00" || d.Entries == nil || len(d.Entries) != 0 ||
				d.To != now.Format("2006-01") || d.From != now.AddDate(0, -5, 1-now.Day()).Format("2006-01") {
				t.Errorf("%s", r.Data)
			}
		}),
		// The live view: the account's us-east-1 now, its shards run by
		// the shard function (one invocation each: the region's and the
		// buckets'), and nothing stored.
		"get-bottlenecks-live.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var d struct {
				Source   string               `json:"source"`
				Regions  []string             `json:"regions"`
				Findings []cloudscope.Finding `json:"findings"`
				Errors   []cloudscope.Failure `json:"errors"`
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || d.Source != "live" || len(d.Errors) != 0 || !slices.Equal(d.Regions, []string{"us-east-1"}) {
				t.Fatalf("%s", r.Data)
			}
			found := map[string]string{}
			for _, f := range d.Findings {
				found[f.Rule] = f.ResourceID
			}
			if found[bottleneck.EBSUnattached] != aws.ToString(vol.VolumeId) || found[bottleneck.EIPUnassociated] != aws.ToString(eip.AllocationId) {
				t.Errorf("live findings %v; want the volume %s and the address %s", found, aws.ToString(vol.VolumeId), aws.ToString(eip.AllocationId))
			}
			if got := shards.Invoked(); !slices.Equal(got, []string{"cloudscope-shard", "cloudscope-shard"}) {
				t.Errorf("the shard function was invoked as %v; want twice", got)
			}
			if hs, err := store.List(ctx, 10); err != nil || len(hs) != 1 {
				t.Errorf("after the live view the store lists %d snapshots (%v)", len(hs), err)
			}
			parts := 0
			_ = store.PartSummaries(ctx, "live", func(cloudscope.ShardPart) error { parts++; return nil })
			if st, err := store.Status(ctx, "live"); parts != 0 || st != nil || err != nil {
				t.Errorf("the live view stored %d parts and the status %+v (%v)", parts, st, err)
			}
		}),
		"get-bottlenecks-bad-severity.json": lambdatest.Fails(400, "invalid_parameter", "severity"),
		"get-snapshot-unknown.json":         lambdatest.Fails(404, "not_found", ""),
		"get-snapshot-diff-no-base.json":    lambdatest.Fails(400, "invalid_parameter", "base"),
	})
}

// TestBootstrapRefusesToStartWithoutItsSettings: without CLOUDSCOPE_TABLE
// (snapshots and scan status), CLOUDSCOPE_STATE_MACHINE (POST /scans) or
// CLOUDSCOPE_SHARD_FUNCTION (the live view) the start fails, naming the setting in the invocation's answer and the log.
func TestBootstrapRefusesToStartWithoutItsSettings(t *testing.T) {
	event, err := os.ReadFile("../../events/bottlenecks/get-bottlenecks.json")
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := lambdatest.Bootstrap(t, "bottlenecks")
	for missing, env := range map[string][]string{
		"CLOUDSCOPE_TABLE":          {"CLOUDSCOPE_TABLE=", "CLOUDSCOPE_STATE_MACHINE=" + scanMachine, "CLOUDSCOPE_SHARD_FUNCTION=cloudscope-shard"},
		"CLOUDSCOPE_STATE_MACHINE":  {"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_STATE_MACHINE=", "CLOUDSCOPE_SHARD_FUNCTION=cloudscope-shard"},
		"CLOUDSCOPE_SHARD_FUNCTION": {"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_STATE_MACHINE=" + scanMachine, "CLOUDSCOPE_SHARD_FUNCTION="},
	} {
		t.Run(missing, func(t *testing.T) {
			fn := lambdatest.Start(t, bootstrap, append(moto.Env(), env...))
			fn.InitFails(t, event, missing+" is not set")
		})
	}
}

// ownStore is the table's store as the function reads it: under the
// scanning identity, the account of the emulator's credentials.
func ownStore(client dynamostore.SnapshotAPI, clients *awsconf.Clients) *dynamostore.SnapshotStore {
	return dynamostore.NewSnapshotStoreFor(client, "cloudscope", 0, nil, services.Identity(appconfig.Config{}, clients))
}
