package main

// The artifact tier: the built bootstrap runs under the Lambda Runtime
// Interface Emulator against moto, and each events/discovery fixture gets the
// status and body the API promises: read live before the first scan, then
// from the stored scan; without its table it does not start.

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestBootstrapServesFixtures(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	clients := moto.Clients(t)
	seeded, err := demo.Seed(ctx, clients, demo.Default, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "discovery"), append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope"))

	fn.ServeFixtures(t, "../../events/discovery", map[string]lambdatest.Expect{
		"get-regions.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			if !strings.Contains(string(r.Data), `{"name":"eu-west-1","opt_in_status":"opt-in-not-required"}`) {
				t.Errorf("regions lack eu-west-1: %.300s", r.Data)
			}
		}),
		"get-resources.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			total := len(demo.Default.Instances) + len(demo.Default.Databases) + len(demo.Default.Buckets) + len(demo.Default.Functions) +
				len(seeded.Waste) + 1 // and the table cloudscope keeps its state in
			var d struct {
				Counts struct{ Total int } `json:"counts"`
				Errors []any               `json:"errors"`
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || d.Counts.Total != total || len(d.Errors) != 0 {
				t.Errorf("want %d resources and no errors; got %+v (%v)", total, d, err)
			}
		}),
		"get-resources-filtered.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var d struct {
				Counts struct {
					ByType   map[string]int `json:"by_type"`
					ByRegion map[string]int `json:"by_region"`
				} `json:"counts"`
			}
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			// eu-west-1: 2 instances, 1 bucket; us-east-1: 4 instances, 1 bucket.
			if d.Counts.ByType["ec2"] != 6 || d.Counts.ByType["s3"] != 2 || len(d.Counts.ByType) != 2 ||
				d.Counts.ByRegion["eu-west-1"] != 3 || d.Counts.ByRegion["us-east-1"] != 5 {
				t.Errorf("counts %+v", d.Counts)
			}
		}),
		"get-resources-bad-type.json":          lambdatest.Fails(400, "invalid_parameter", "types"),
		"get-resources-malformed-region.json":  lambdatest.Fails(400, "invalid_parameter", "regions"),
		"get-resources-unknown-region.json":    lambdatest.Fails(400, "invalid_parameter", "regions"),
		"get-resources-unknown-parameter.json": lambdatest.Fails(400, "invalid_parameter", "region"),
		"post-resources.json":                  lambdatest.Fails(405, "method_not_allowed", ""),
		"get-unknown-route.json":               lambdatest.Fails(404, "not_found", ""),
	})
	if d, err := fn.InitDuration(); err != nil {
		t.Errorf("cold start: %v", err)
	} else {
		t.Logf("cold-start init (INIT REPORT): %s", d)
	}

	// A stored scan: GET /resources answers from it, not from AWS.
	stored := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "evt-stored", StartedAt: time.Now().Add(-time.Minute), FinishedAt: time.Now(),
		Regions: []string{"us-east-1"}, Errors: []cloudscope.Failure{}, Calls: map[string]int{}, Notification: cloudscope.NotifyNone, Outcome: cloudscope.OutcomeComplete},
		Resources: []cloudscope.Resource{{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", Region: "us-east-1", State: "running"}},
		Findings:  []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	stored.Counts.CountResources(stored.Resources)
	if err := dynamostore.NewSnapshotStoreFor(dynamodbclient.Home(clients), "cloudscope", 0, nil, services.Identity(appconfig.Config{}, clients)).Save(ctx, stored); err != nil {
		t.Fatal(err)
	}
	r := fn.InvokeFixture(t, "../../events/discovery/get-resources.json")
	var d struct {
		Source     string `json:"source"`
		SnapshotID string `json:"snapshot_id"`
		Counts     struct{ Total int }
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || d.Source != "latest" || d.SnapshotID != "evt-stored" || d.Counts.Total != 1 {
		t.Errorf("after a stored scan: %+v (%v)", d, err)
	}
}

// Without its table the function does not start, and says which setting.
func TestBootstrapRefusesToStartWithoutItsTable(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "discovery"), moto.Env())
	raw, err := os.ReadFile("../../events/discovery/get-regions.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, raw, "CLOUDSCOPE_TABLE is not set")
}
