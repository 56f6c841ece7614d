package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// CostDays is how many days of costs the demo queues.
const CostDays = 30

// dailyCost is a service's typical cost a day in the demo account.
var dailyCost = []struct {
	service string
	usd     float64
}{
	{"Amazon Elastic Compute Cloud - Compute", 41.20},
	{"Amazon Relational Database Service", 24.75},
	{"EC2 - Other", 6.10},
	{"AWS Data Transfer", 3.95},
	{"Amazon Simple Storage Service", 2.85},
	{"AmazonCloudWatch", 1.72},
	{"AWS Lambda", 1.38},
	{"Amazon DynamoDB", 0.0004321},
}

// regionShare splits each day's total over the demo's regions.
var regionShare = []struct {
	region string
	share  float64
}{{"us-east-1", 0.62}, {"eu-west-1", 0.27}, {"ap-southeast-2", 0.11}}

// CostResults are the GetCostAndUsage answers the emulator gives, in the
// order it hands them out: the default query (30 days by service, daily)
// in two pages, then the same days by region.
func CostResults(now time.Time) []map[string]any {
	end := now.UTC().Truncate(24 * time.Hour)
	r := rand.New(rand.NewPCG(30, 11))
	var byService, byRegion []map[string]any
	for d := CostDays; d >= 1; d-- {
		start := end.AddDate(0, 0, -d)
		period := map[string]string{"Start": start.Format("2006-01-02"), "End": start.AddDate(0, 0, 1).Format("2006-01-02")}
		var groups []map[string]any
		total := 0.0
		for _, c := range dailyCost {
			v := c.usd * (0.85 + 0.3*r.Float64())
			total += v
			groups = append(groups, costGroup(c.service, v))
		}
		var regions []map[string]any
		for _, rs := range regionShare {
			regions = append(regions, costGroup(rs.region, total*rs.share))
		}
		estimated := d <= 2 // the newest days are still being finalised
		byService = append(byService, map[string]any{"TimePeriod": period, "Total": map[string]any{}, "Groups": groups, "Estimated": estimated})
		byRegion = append(byRegion, map[string]any{"TimePeriod": period, "Total": map[string]any{}, "Groups": regions, "Estimated": estimated})
	}
	half := len(byService) / 2
	return []map[string]any{
		{"ResultsByTime": byService[:half], "NextPageToken": "demo-page-2", "DimensionValueAttributes": []any{}},
		{"ResultsByTime": byService[half:], "DimensionValueAttributes": []any{}},
		{"ResultsByTime": byRegion, "DimensionValueAttributes": []any{}},
	}
}

func costGroup(key string, usd float64) map[string]any {
	return map[string]any{"Keys": []string{key}, "Metrics": map[string]any{
		"UnblendedCost": map[string]string{"Amount": fmt.Sprintf("%.10f", usd), "Unit": "USD"}}}
}

// QueueCosts hands the emulator the Cost Explorer answers of the demo
// (moto answers GetCostAndUsage only from such a queue).
func QueueCosts(ctx context.Context, clients *awsconf.Clients, results []map[string]any) error {
	cfg := clients.Config()
	if err := CheckEndpoint(cfg); err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"results": results})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *cfg.BaseEndpoint+"/moto-api/static/ce/cost-and-usage-results", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("queue demo costs: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("queue demo costs: the emulator answered %d", resp.StatusCode)
	}
	return nil
}

// SeedAll creates the whole demo on the emulator: the resources, their
// metric history up to now, and the Cost Explorer answers.
func SeedAll(ctx context.Context, clients *awsconf.Clients, now time.Time, logf func(string, ...any)) (*Seeded, error) {
	seeded, err := Seed(ctx, clients, Default, logf)
	if err != nil {
		return nil, err
	}
	n, err := SeedMetrics(ctx, clients, seeded, now)
	if err != nil {
		return nil, err
	}
	logf("wrote %d CloudWatch datapoints (%d days, hourly)", n, MetricDays)
	if err := QueueCosts(ctx, clients, CostResults(now)); err != nil {
		return nil, err
	}
	logf("queued %d days of Cost Explorer results", CostDays)
	return seeded, nil
}
