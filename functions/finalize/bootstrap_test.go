package main

// The artifact tier: the built finalize bootstrap runs under the Lambda Runtime
// Interface Emulator with its events/ fixture. Without its topic it does not
// start, and both the invocation's answer and the log name the setting.
// With the plan and shard bootstraps, against moto (the demo account), it
// runs a whole sharded scan as the state machine would: plan, every map
// item, finalize.

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestBootstrapRefusesToStartWithoutTheTopic(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "finalize"), []string{"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_TOPIC_ARN=", "AWS_REGION=us-east-1"})
	event, err := os.ReadFile("../../events/finalize/finalize.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, event, "CLOUDSCOPE_TOPIC_ARN is not set")
}

// TestBootstrapsRunAShardedScan: the demo account on moto, scanned
// (accounts=self) by the three built bootstraps of the sharded scan, each
// under aws-lambda-rie with its events/ fixture. The plan writes its items
// to the plan bucket; the shard function runs once per item read back from
// there (the map-item fixture standing in for the item it equals); finalize
// stores the snapshot, which holds every demo resource, each with moto's
// account, and the scan's status says every shard is done.
func TestBootstrapsRunAShardedScan(t *testing.T) {
	started := time.Now()
	moto.Reset(t)
	ctx := context.Background()
	clients := moto.Clients(t)
	seeded, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	const bucket = "cloudscope-plans"
	if _, err := s3client.In(clients, "us-east-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	topic, err := snsclient.In(clients, "us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("findings")})
	if err != nil {
		t.Fatal(err)
	}
	env := append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_ACCOUNTS=self", "CLOUDSCOPE_PERCENTILES=off")
	seededAt := time.Now()
	t.Logf("seeded the demo in %s", seededAt.Sub(started).Round(time.Millisecond))

	// The plan: the fixture's scan id is the whole test's.
	startEvent := readFixture(t, "../../events/plan/start-execution.json")
	var start scanapp.Event
	if err := json.Unmarshal(startEvent, &start); err != nil || start.ScanID == "" {
		t.Fatalf("start-execution.json: %+v %v", start, err)
	}
	scanID := start.ScanID
	plan := lambdatest.Start(t, lambdatest.Bootstrap(t, "plan"), append(slices.Clone(env), "CLOUDSCOPE_PLAN_BUCKET="+bucket))
	var planned scanapp.Plan
	if err := json.Unmarshal(plan.Invoke(t, startEvent), &planned); err != nil {
		t.Fatalf("plan: %v\n%s", err, plan.Logs())
	}
	if planned.ScanID != scanID || planned.Bucket != bucket || planned.Key != scanapp.PlanKey(scanID) || planned.Shards <= 0 {
		t.Fatalf("plan answered %+v\n%s", planned, plan.Logs())
	}
	obj, err := s3client.In(clients, "us-east-1").GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(planned.Bucket), Key: aws.String(planned.Key)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The items as the Distributed Map reads them: one JSON array, each
	// element one shard's event.
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) != planned.Shards {
		t.Fatalf("the plan object holds %d items (%v), the plan answered %d: %.500s", len(items), err, planned.Shards, raw)
	}
	shards := make([]cloudscope.Shard, len(items))
	for i, item := range items {
		if err := json.Unmarshal(item, &shards[i]); err != nil {
			t.Fatalf("item %d: %v: %s", i, err, item)
		}
		if s := shards[i]; s.ScanID != scanID || s.AccountID != mototest.AccountID || s.Region == "" {
			t.Errorf("item %d: %+v", i, s)
		}
	}
	planDone := time.Now()
	t.Logf("plan: %d shards in %s", planned.Shards, planDone.Sub(seededAt).Round(time.Millisecond))

	// The map-item fixture is one of the plan's items (this account's home
	// region, every regional type): it runs in that item's place, so that
	// each planned shard runs exactly once.
	mapItem := readFixture(t, "../../events/shard/map-item.json")
	var fixture cloudscope.Shard
	if err := json.Unmarshal(mapItem, &fixture); err != nil {
		t.Fatalf("map-item.json: %v", err)
	}
	fixtureAt := slices.IndexFunc(shards, func(s cloudscope.Shard) bool { return s.Key() == fixture.Key() && s.ScanID == fixture.ScanID })
	if fixtureAt < 0 {
		t.Errorf("map-item.json (%s of scan %s) is none of the plan's items", fixture.Key(), fixture.ScanID)
	}

	// The other map-item fixture (a shard split by type, which this plan,
	// unsplit, has none of) has an item's shape too.
	var typed cloudscope.Shard
	if err := json.Unmarshal(readFixture(t, "../../events/shard/map-item-types.json"), &typed); err != nil || typed.ScanID != scanID ||
		typed.AccountID != mototest.AccountID || typed.Region == "" || len(typed.Types) == 0 ||
		slices.ContainsFunc(typed.Types, func(rt cloudscope.ResourceType) bool { return !rt.Valid() }) {
		t.Errorf("map-item-types.json: %+v %v", typed, err)
	}

	// The shards: one running function, invoked once per item, as the
	// map's invocations reuse a warm instance.
	shardFn := lambdatest.Start(t, lambdatest.Bootstrap(t, "shard"), slices.Clone(env))
	var shardResources, shardFindings int
	for i, item := range items {
		event := item
		if i == fixtureAt {
			event = mapItem
		}
		var got scanapp.MapResult
		if err := json.Unmarshal(shardFn.Invoke(t, event), &got); err != nil {
			t.Fatalf("shard %s: %v\n%s", shards[i].Key(), err, shardFn.Logs())
		}
		if got.Shard != shards[i].Key() || got.Errors != 0 {
			t.Errorf("shard %s answered %+v", shards[i].Key(), got)
		}
		shardResources += got.Resources
		shardFindings += got.Findings
	}
	shardsDone := time.Now()
	t.Logf("shards: %d resources, %d findings, in %s", shardResources, shardFindings, shardsDone.Sub(planDone).Round(time.Millisecond))

	// Finalize, with its fixture.
	finalizeEvent := readFixture(t, "../../events/finalize/finalize.json")
	var fin scanapp.Event
	if err := json.Unmarshal(finalizeEvent, &fin); err != nil || fin.ScanID != scanID {
		t.Fatalf("finalize.json names scan %q (%v), the plan fixture %q", fin.ScanID, err, scanID)
	}
	finalize := lambdatest.Start(t, lambdatest.Bootstrap(t, "finalize"), append(slices.Clone(env), "CLOUDSCOPE_TOPIC_ARN="+aws.ToString(topic.TopicArn)))
	var done scanapp.Finalized
	if err := json.Unmarshal(finalize.Invoke(t, finalizeEvent), &done); err != nil {
		t.Fatalf("finalize: %v\n%s", err, finalize.Logs())
	}
	// The demo's 17 resources of the first four types, and its waste
	// types' (at least: the emulator may add snapshots of its own, of an
	// AMI the demo makes), as the one-process scan finds them.
	if done.ScanID != scanID || (done.Outcome != cloudscope.OutcomeComplete && done.Outcome != cloudscope.OutcomePartial) ||
		done.Resources < 17+len(seeded.Waste) || done.Resources != shardResources || done.Findings <= 0 || done.Accounts != 1 {
		t.Errorf("finalize answered %+v (the shards read %d resources)\n%s", done, shardResources, finalize.Logs())
	}
	t.Logf("finalize: %+v in %s", done, time.Since(shardsDone).Round(time.Millisecond))

	// The stored snapshot and status.
	store := dynamostore.NewSnapshotStoreFor(dynamodbclient.Home(clients), "cloudscope", 0, nil, services.Identity(appconfig.Config{}, clients)) // CLOUDSCOPE_ACCOUNTS=self
	snap, err := store.Get(ctx, scanID)
	if err != nil || snap == nil {
		t.Fatalf("stored snapshot %s: %v %v", scanID, snap, err)
	}
	if len(snap.Resources) != done.Resources || snap.Outcome != done.Outcome || len(snap.Findings) != done.Findings {
		t.Errorf("stored %d resources, %d findings, outcome %s; finalize answered %+v", len(snap.Resources), len(snap.Findings), snap.Outcome, done)
	}
	for _, r := range snap.Resources {
		if r.AccountID != mototest.AccountID {
			t.Errorf("resource %s/%s of account %q, want %s", r.Type, r.ID, r.AccountID, mototest.AccountID)
		}
	}
	if n := snap.Counts.ByAccount[mototest.AccountID]; n != len(snap.Resources) {
		t.Errorf("counted %d resources of %s, stored %d", n, mototest.AccountID, len(snap.Resources))
	}
	// What a one-process scan lists (every type in every enabled region,
	// read here in the test's own process): the same resources.
	inv, err := discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{RetryPause: time.Millisecond}).Discover(ctx, resourcequery.Query{})
	if err != nil || len(inv.Errors) != 0 {
		t.Fatalf("one-process discovery: %v %+v", err, inv)
	}
	if got, want := resourceKeys(snap.Resources), resourceKeys(inv.Resources); !slices.Equal(got, want) {
		t.Errorf("the sharded scan stored %d resources, a one-process listing finds %d:\n%v\n%v", len(got), len(want), got, want)
	}
	status, err := store.Status(ctx, scanID)
	if err != nil || status == nil {
		t.Fatalf("status of %s: %v %v", scanID, status, err)
	}
	if status.State != cloudscope.StateDone || status.Shards == nil || status.Shards.Total != planned.Shards ||
		status.Shards.Left() != 0 || status.Shards.Failed != 0 {
		t.Errorf("status %+v, shards %+v; want done, %d shards, none left", status, status.Shards, planned.Shards)
	}

	for name, fn := range map[string]*lambdatest.Function{"plan": plan, "shard": shardFn, "finalize": finalize} {
		if d, err := fn.InitDuration(); err == nil {
			t.Logf("%s: cold-start init (INIT REPORT): %s", name, d)
		}
	}
	t.Logf("the whole sharded scan: %s", time.Since(started).Round(time.Millisecond))
}

// resourceKeys are the resources' "type/region/id", sorted.
func resourceKeys(rs []cloudscope.Resource) []string {
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = string(r.Type) + "/" + r.Region + "/" + r.ID
	}
	slices.Sort(keys)
	return keys
}

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
