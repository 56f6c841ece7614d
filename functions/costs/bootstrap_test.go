package main

// The artifact tier: the built costs bootstrap runs under the Lambda Runtime
// Interface Emulator against moto, with the demo's Cost Explorer answers
// queued and its cache in the table, and answers each events/costs fixture
// as the API promises.

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

type report struct {
	Total    cloudscope.Amount `json:"total"`
	Cached   bool              `json:"cached"`
	Requests int               `json:"cost_explorer_requests"`
	Periods  []struct {
		Total     cloudscope.Amount `json:"total"`
		Estimated bool              `json:"estimated"`
	} `json:"periods"`
	Groups []struct {
		Amount cloudscope.Amount `json:"amount"`
	} `json:"groups"`
}

func TestBootstrapServesFixtures(t *testing.T) {
	moto.Reset(t)
	clients := moto.Clients(t)
	if err := demo.QueueCosts(context.Background(), clients, demo.CostResults(time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(context.Background(), dynamodbclient.Home(clients), "cloudscope"); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "costs"), append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope"))

	checkReport := func(t *testing.T, r lambdatest.Reply) {
		var rep report
		if err := json.Unmarshal(r.Data, &rep); err != nil {
			t.Fatal(err)
		}
		var byGroup, byPeriod cloudscope.Amount
		for _, g := range rep.Groups {
			byGroup = byGroup.Add(g.Amount)
		}
		for _, p := range rep.Periods {
			byPeriod = byPeriod.Add(p.Total)
		}
		if len(rep.Periods) != demo.CostDays || len(rep.Groups) != 8 || rep.Requests != 2 || rep.Cached ||
			byGroup.Cmp(rep.Total) != 0 || byPeriod.Cmp(rep.Total) != 0 || !rep.Periods[demo.CostDays-1].Estimated {
			t.Errorf("report: %d periods, %d groups, %d requests, cached %v; total %s, by group %s, by period %s",
				len(rep.Periods), len(rep.Groups), rep.Requests, rep.Cached, rep.Total, byGroup, byPeriod)
		}
	}
	fn.ServeFixtures(t, "../../events/costs", map[string]lambdatest.Expect{
		"get-costs.json": lambdatest.OK(checkReport),
		// The emulator has no forecast: the failure comes back as an upstream error.
		"get-costs-forecast.json":          lambdatest.Fails(502, "upstream_error", ""),
		"get-costs-bad-group.json":         lambdatest.Fails(400, "invalid_parameter", "group_by"),
		"get-costs-start-after-end.json":   lambdatest.Fails(400, "invalid_parameter", "start"),
		"get-costs-future-end.json":        lambdatest.Fails(400, "invalid_parameter", "end"),
		"get-costs-forecast-too-long.json": lambdatest.Fails(400, "invalid_parameter", "days"),
		// No scan has run: no anomaly is stored.
		"get-anomalies.json": lambdatest.OK(func(t *testing.T, r lambdatest.Reply) {
			var list struct {
				Days  int `json:"days"`
				Count int `json:"count"`
			}
			if err := json.Unmarshal(r.Data, &list); err != nil || list.Days != 30 || list.Count != 0 {
				t.Errorf("anomalies: %+v (%v)", list, err)
			}
		}),
	})
	// The same question again, in the same warm function, comes from its cache.
	r := fn.InvokeFixture(t, "../../events/costs/get-costs.json")
	var rep report
	if err := json.Unmarshal(r.Data, &rep); err != nil || !rep.Cached || rep.Requests != 0 {
		t.Errorf("repeat: cached %v, %d requests (%v)", rep.Cached, rep.Requests, err)
	}
}
