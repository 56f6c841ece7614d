package demo

import (
	"context"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// The demo's eight weeks, answered in-process, hold exactly one anomaly:
// today's jump of EC2 - Other in us-east-1, still estimated.
func TestAnomalyWeeksHoldTheSpike(t *testing.T) {
	ctx := context.Background()
	clients, err := Clients(ctx, "http://127.0.0.1:9") // nothing listens: the answer never leaves the process
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rep, err := costs.New(costs.ClientFrom(clients), nil, costquery.Options{}).Report(ctx, anomaly.Query(now, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Periods) != 7*anomaly.Weeks+1 {
		t.Errorf("%d days, want %d", len(rep.Periods), 7*anomaly.Weeks+1)
	}
	res, err := anomaly.New(kv.NewMemory(nil), nil, nil, anomaly.Options{Now: func() time.Time { return now }}).Evaluate(ctx, rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Anomalies) != 1 {
		t.Fatalf("anomalies %+v, want one", res.Anomalies)
	}
	a := res.Anomalies[0]
	if a.Service != SpikeService || a.Region != SpikeRegion || a.Start != now.Format(time.DateOnly) || !a.Provisional ||
		a.Status != cloudscope.AnomalyNew || a.Excess.Ratio(cloudscope.AmountOf(1)) < SpikeUSD*0.8 {
		t.Errorf("anomaly %+v", a)
	}
}
