package scan

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// costExplorer answers GetCostAndUsage in pages of pageDays days: every
// day of the asked window, by region and service for the anomaly query
// (EC2 - Other in us-east-1 at about 20 a day, 90 on spike), by service
// otherwise.
func costExplorer(pageDays int, spike string) awsstub.Handler {
	return func(_ context.Context, c awsstub.Call) (any, error) {
		in, ok := c.Input.(*costexplorer.GetCostAndUsageInput)
		if !ok {
			return nil, fmt.Errorf("unexpected %s.%s", c.Service, c.Operation)
		}
		start, _ := time.Parse(time.DateOnly, aws.ToString(in.TimePeriod.Start))
		end, _ := time.Parse(time.DateOnly, aws.ToString(in.TimePeriod.End))
		skip, _ := strconv.Atoi(aws.ToString(in.NextPageToken))
		out := &costexplorer.GetCostAndUsageOutput{}
		i := 0
		for d := start; d.Before(end); d, i = d.AddDate(0, 0, 1), i+1 {
			if i < skip {
				continue
			}
			if i == skip+pageDays {
				out.NextPageToken = aws.String(strconv.Itoa(i))
				break
			}
			v := 20 + float64(i%3)
			if d.Format(time.DateOnly) == spike {
				v = 90
			}
			keys := []string{"EC2 - Other"}
			if len(in.GroupBy) == 2 {
				keys = []string{"us-east-1", "EC2 - Other"}
			}
			out.ResultsByTime = append(out.ResultsByTime, cetypes.ResultByTime{
				TimePeriod: &cetypes.DateInterval{Start: aws.String(d.Format(time.DateOnly)), End: aws.String(d.AddDate(0, 0, 1).Format(time.DateOnly))},
				Groups:     []cetypes.Group{{Keys: keys, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String(fmt.Sprintf("%.2f", v)), Unit: aws.String("USD")}}}}})
		}
		return out, nil
	}
}

// anomalyScanner is a scan of the fake account, with Cost Explorer in
// pages of 20 days and the anomalies on (or off).
func anomalyScanner(t testing.TB, on bool, n *notifier) (*Scanner, *account) {
	t.Helper()
	yesterday := now.Truncate(24 * time.Hour).Add(-12 * time.Hour) // noon the day before
	nat := cloudscope.Resource{Type: cloudscope.NATGateway, ID: "nat-0new", Region: "us-east-1", State: "available", CreatedAt: &yesterday,
		NATGateway: &cloudscope.NATGatewayDetails{}}
	acct := &account{resources: []cloudscope.Resource{instance("i-ok"), nat}, cpu: map[string]float64{"i-ok": 40}}
	clock := func() time.Time { return now }
	d := Deps{Discovery: acct, Metrics: acct, Store: memstore.New(), Notifier: n, Thresholds: bottleneck.Defaults, Now: ticking(now),
		Costs: costs.New(costs.ClientFrom(awsstub.Clients(costExplorer(20, now.AddDate(0, 0, -1).Format(time.DateOnly)))), nil, costquery.Options{Now: clock})}
	if on {
		d.Anomalies = anomaly.New(kv.NewMemory(nil), nil, nil, anomaly.Options{Now: clock})
	}
	return New(d), acct
}

func TestScanFindsExplainsAndTellsAnomaliesOnce(t *testing.T) {
	ctx := context.Background()
	n := &notifier{}
	s, _ := anomalyScanner(t, true, n)
	r, err := s.Run(ctx, "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The summary's 30 days in 2 pages, the anomalies' 57 in 3.
	if got := r.Snapshot.Calls["ce:GetCostAndUsage"]; got != 5 {
		t.Errorf("%d Cost Explorer requests, want 2 + 3", got)
	}
	if len(n.sent) != 1 {
		t.Fatalf("%d messages", len(n.sent))
	}
	m := n.sent[0]
	if m.Attributes["anomalies"] != "1" || !strings.Contains(m.Subject, "1 spend anomaly") ||
		!strings.Contains(m.Bodies[cloudscope.BodyDefault], `"service":"EC2 - Other"`) ||
		!strings.Contains(m.Bodies[cloudscope.BodyEmail], "SPEND ANOMALIES (1)") || !strings.Contains(m.Bodies[cloudscope.BodyEmail], "nat-0new") {
		t.Errorf("message %s %v\n%s\n%s", m.Subject, m.Attributes, m.Bodies[cloudscope.BodyDefault], m.Bodies[cloudscope.BodyEmail])
	}
	// The next scan has nothing new to tell: neither finding nor anomaly.
	if _, err := s.Run(ctx, "scan-2", nil); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 1 {
		t.Errorf("the anomaly was told again: %d messages", len(n.sent))
	}
}

// BenchmarkScanCostExplorerRequests counts the Cost Explorer requests of a
// daily scan with the anomalies off and on (Cost Explorer answering 20
// days a page, a cold cache): on adds the pages of one query, no more.
func BenchmarkScanCostExplorerRequests(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("anomalies=%v", on), func(b *testing.B) {
			var requests int
			for b.Loop() {
				s, _ := anomalyScanner(b, on, &notifier{})
				r, err := s.Run(context.Background(), "scan-1", nil)
				if err != nil {
					b.Fatal(err)
				}
				requests = r.Snapshot.Calls["ce:GetCostAndUsage"]
			}
			b.ReportMetric(float64(requests), "ce-requests/scan")
		})
	}
}
