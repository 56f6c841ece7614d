package main

// The artifact tier: the built metrics bootstrap runs under the Lambda
// Runtime Interface Emulator against moto, seeded with the demo's metric
// history, and answers each events/metrics fixture as the API promises.

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

type result struct {
	Window struct {
		Period int32 `json:"period"`
	} `json:"window"`
	Resources []cloudscope.ResourceMetrics `json:"resources"`
}

func decode(t *testing.T, r lambdatest.Reply) result {
	t.Helper()
	var res result
	if err := json.Unmarshal(r.Data, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func series(t *testing.T, rm cloudscope.ResourceMetrics, metric, stat string) []cloudscope.Point {
	t.Helper()
	for _, m := range rm.Metrics {
		if m.Name == metric {
			return m.Stats[stat]
		}
	}
	t.Fatalf("%s has no %s", rm.ID, metric)
	return nil
}

func TestBootstrapServesFixtures(t *testing.T) {
	moto.Reset(t)
	clients := moto.Clients(t)
	seeded, err := demo.Seed(context.Background(), clients, demo.Default, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedMetrics(context.Background(), clients, seeded, time.Now()); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "metrics"), moto.Env())

	fn.ServeFixtures(t, "../../events/metrics", map[string]lambdatest.Expect{
		"get-metrics-rds.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			res := decode(t, r)
			if len(res.Resources) != 2 || !res.Resources[0].HasData || res.Resources[1].HasData || res.Window.Period != 600 {
				t.Fatalf("orders-db should have data, missing-db none: %.400s", r.Data)
			}
			cpu := series(t, res.Resources[0], "CPUUtilization", "Average")
			if len(cpu) < 23 || len(cpu) > 24 {
				t.Errorf("%d CPU points over 24 hours of hourly data", len(cpu))
			}
			for i, p := range cpu {
				if p.V < 35 || p.V > 75 || i > 0 && p.T <= cpu[i-1].T {
					t.Errorf("point %d %+v: outside the demo's 35-75%% or out of order", i, p)
				}
			}
		}),
		"get-metrics-lambda.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			rm := decode(t, r).Resources[0]
			if thr := series(t, rm, "Throttles", "Sum"); len(thr) < 47 || thr[0].V < 50 {
				t.Errorf("throttles: %d points, first %v", len(thr), thr)
			}
			for _, m := range rm.Metrics {
				if _, ok := m.Stats["Average"]; ok {
					t.Errorf("%s has Average although stats=Sum,Maximum", m.Name)
				}
			}
		}),
		"get-metrics-s3.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			res := decode(t, r)
			size := series(t, res.Resources[0], "BucketSizeBytes", "Average")
			if res.Window.Period != 86400 || len(size) < 13 || len(size) > 14 {
				t.Errorf("period %d, %d daily size points", res.Window.Period, len(size))
			}
		}),
		"get-metrics-missing-type.json":    lambdatest.Fails(400, "invalid_parameter", "resource_type"),
		"get-metrics-bad-id.json":          lambdatest.Fails(400, "invalid_parameter", "resource_ids"),
		"get-metrics-bad-period.json":      lambdatest.Fails(400, "invalid_parameter", "period"),
		"get-metrics-start-after-end.json": lambdatest.Fails(400, "invalid_parameter", "start"),
		// Checked against the emulator's region list, before CloudWatch is asked.
		"get-metrics-unknown-region.json": lambdatest.Fails(400, "invalid_parameter", "region"),
	})
}
