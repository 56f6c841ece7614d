package scan

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// weeksCosts answers the anomaly query by linked account and service:
// RDS in 111111111111 at 40 a day, 160 yesterday; Lambda in 222222222222
// at 5. Three pages' worth of requests; any other query fails the test.
type weeksCosts struct {
	t       *testing.T
	mu      sync.Mutex
	queries []costquery.Query
}

func (c *weeksCosts) Report(_ context.Context, q costquery.Query) (*costquery.Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries = append(c.queries, q)
	if q.GroupBy != "LINKED_ACCOUNT" || q.ThenBy != "SERVICE" {
		c.t.Errorf("a query other than the anomalies': %s", q)
	}
	start, _ := time.Parse(time.DateOnly, q.Start)
	end, _ := time.Parse(time.DateOnly, q.End)
	r := &costquery.Report{Query: q, Currency: "USD", Fetched: costquery.Fetched{Requests: 3}}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		rds := "40.00"
		if d.Equal(end.AddDate(0, 0, -2)) {
			rds = "160.00"
		}
		a, _ := cloudscope.ParseAmount(rds)
		l, _ := cloudscope.ParseAmount("5.00")
		r.Periods = append(r.Periods, costquery.Period{Start: d.Format(time.DateOnly), End: d.AddDate(0, 0, 1).Format(time.DateOnly),
			Groups: map[string]cloudscope.Amount{"111111111111, Amazon Relational Database Service": a, "222222222222, AWS Lambda": l}})
	}
	return r, nil
}

// An organization's finalize with anomalies on asks Cost Explorer one
// query (8 weeks by linked account and service), serves its 30-day
// summary by account from it, and tells the anomaly with its account.
func TestFinalizeFindsAnomaliesWithOneQuery(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, EngineOptions{RetryPause: time.Millisecond}, map[string]*fakeAccount{
		"111111111111": {regions: []string{"us-east-1"}, running: 1},
		"222222222222": {regions: []string{"us-east-1"}},
	})
	clock := func() time.Time { return orgNow }
	weeks := &weeksCosts{t: t}
	sc := New(Deps{Store: r.parts, Notifier: r.notes, Now: clock, Thresholds: bottleneck.Defaults,
		Anomalies: anomaly.New(kv.NewMemory(nil), nil, nil, anomaly.Options{Now: clock})})
	r.engine = NewEngine(EngineDeps{Accounts: r.accts, Discovery: func(c *awsconf.Clients) Discoverer { return r.by[c] }, Metrics: func(c *awsconf.Clients) Fetcher { return r.by[c] },
		Costs: weeks, Parts: r.parts, Scanner: sc, Now: clock, HomeRegion: "us-east-1"}, EngineOptions{RetryPause: time.Millisecond})
	h, err := r.engine.Scan(ctx, "org-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := h.Snapshot
	if len(weeks.queries) != 1 || snap.Calls["ce:GetCostAndUsage"] != 3 {
		t.Errorf("%d queries, %d requests: want the one 8-week query's 3", len(weeks.queries), snap.Calls["ce:GetCostAndUsage"])
	}
	// The summary: the last 30 whole days, by account (29 x 40 + 160; 30 x 5).
	if s := snap.Costs; s == nil || len(s.Top) != 2 || s.Top[0].Key != "111111111111" || s.Top[0].Amount.String() != "1320.00" ||
		s.Top[1].Amount.String() != "150.00" || s.Total.String() != "1470.00" {
		t.Errorf("summary %+v", snap.Costs)
	}
	var told bool
	for _, m := range r.notes.sent {
		if m.Attributes["anomalies"] == "1" && strings.Contains(m.Bodies[cloudscope.BodyDefault], `"account_id":"111111111111","service":"Amazon Relational Database Service"`) {
			told = true
		}
	}
	if !told {
		t.Errorf("no notification carried the anomaly: %+v", r.notes.sent)
	}
}
