package costs

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/costs/costquery"

	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// TestMotoEveryPageCounts queues the demo's answers, whose default query
// comes in two pages, and checks that the report holds every day and that
// its total is the exact sum of every amount on both pages.
func TestMotoEveryPageCounts(t *testing.T) {
	moto.Reset(t)
	var calls awsstub.Counter
	clients := awsconf.NewClients(moto.Config(t, "eu-west-1", awsconf.Options{APIOptions: []func(*middleware.Stack) error{awsstub.Observe(calls.Add)}}))
	today := time.Now()
	results := demo.CostResults(today)
	if err := demo.QueueCosts(context.Background(), clients, results); err != nil {
		t.Fatal(err)
	}
	// The exact sum of what was queued for the default query, both pages.
	var want cloudscope.Amount
	days := 0
	for _, page := range results[:2] {
		for _, rt := range page["ResultsByTime"].([]map[string]any) {
			days++
			for _, g := range rt["Groups"].([]map[string]any) {
				a, err := cloudscope.ParseAmount(g["Metrics"].(map[string]any)["UnblendedCost"].(map[string]string)["Amount"])
				if err != nil {
					t.Fatal(err)
				}
				want = want.Add(a)
			}
		}
	}
	s := New(ClientFrom(clients), nil, costquery.Options{})
	q, err := costquery.NewQuery(costquery.QueryInput{}, today)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Count("Cost Explorer.GetCostAndUsage") != 2 || r.Requests != 2 {
		t.Errorf("%d calls (%d counted), want 2: both pages", calls.Count("Cost Explorer.GetCostAndUsage"), r.Requests)
	}
	if len(r.Periods) != days || r.Total.Cmp(want) != 0 || r.Currency != "USD" {
		t.Errorf("%d periods, total %s; want %d and %s", len(r.Periods), r.Total, days, want)
	}
	if !r.Periods[days-1].Estimated || r.Periods[0].Estimated {
		t.Errorf("estimated flags: first %v, last %v", r.Periods[0].Estimated, r.Periods[days-1].Estimated)
	}
	if r.Groups[0].Key != "Amazon Elastic Compute Cloud - Compute" || len(r.Groups) != 8 {
		t.Errorf("groups %+v", r.Groups)
	}
	// The next distinct query gets the region breakdown; the same query again
	// comes from the cache.
	if r2, err := s.Report(context.Background(), q); err != nil || !r2.Cached {
		t.Errorf("repeat: %v %v", r2, err)
	}
	qr, _ := costquery.NewQuery(costquery.QueryInput{GroupBy: "REGION"}, today)
	rr, err := s.Report(context.Background(), qr)
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Groups) != 3 || rr.Groups[0].Key != "us-east-1" {
		t.Errorf("region groups %+v", rr.Groups)
	}
	if n := calls.Count("Cost Explorer.GetCostAndUsage"); n != 3 {
		t.Errorf("%d calls in all, want 3", n)
	}
}
