package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/smithy-go/middleware"

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

// forecastOption answers GetCostForecast, which the emulator does not
// implement, in-process: the demo's typical daily spend, growing 0.3% a day
// and lighter at weekends, within an interval that widens with distance.
// Every other call goes on to the emulator.
func forecastOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("demoForecast",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			q, ok := in.Parameters.(*costexplorer.GetCostForecastInput)
			if !ok {
				return next.HandleInitialize(ctx, in)
			}
			out, err := Forecast(q)
			return middleware.InitializeOutput{Result: out}, middleware.Metadata{}, err
		}), middleware.After)
}

// Forecast is the demo account's forecast for a GetCostForecast request.
func Forecast(q *costexplorer.GetCostForecastInput) (*costexplorer.GetCostForecastOutput, error) {
	if q.TimePeriod == nil || q.TimePeriod.Start == nil || q.TimePeriod.End == nil {
		return nil, fmt.Errorf("demo forecast: no time period")
	}
	start, err1 := time.Parse(time.DateOnly, *q.TimePeriod.Start)
	end, err2 := time.Parse(time.DateOnly, *q.TimePeriod.End)
	if err := errors.Join(err1, err2); err != nil || !start.Before(end) {
		return nil, fmt.Errorf("demo forecast: bad time period %s..%s", *q.TimePeriod.Start, *q.TimePeriod.End)
	}
	perDay := 0.0
	for _, c := range dailyCost {
		perDay += c.usd
	}
	amount := func(v float64) *string { return aws.String(strconv.FormatFloat(v, 'f', 10, 64)) }
	out := &costexplorer.GetCostForecastOutput{}
	total := 0.0
	for day := start; day.Before(end); {
		next := day.AddDate(0, 0, 1)
		if q.Granularity == cetypes.GranularityMonthly {
			next = time.Date(day.Year(), day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		}
		if end.Before(next) {
			next = end
		}
		mean, ahead := 0.0, 0.0
		for d := day; d.Before(next); d = d.AddDate(0, 0, 1) {
			ahead = d.Sub(start).Hours() / 24
			weekday := 1.0
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				weekday = 0.9
			}
			mean += perDay * weekday * (1 + 0.003*ahead)
		}
		spread := 0.08 + 0.004*ahead
		total += mean
		out.ForecastResultsByTime = append(out.ForecastResultsByTime, cetypes.ForecastResult{
			TimePeriod: &cetypes.DateInterval{Start: aws.String(day.Format(time.DateOnly)), End: aws.String(next.Format(time.DateOnly))},
			MeanValue:  amount(mean), PredictionIntervalLowerBound: amount(mean * (1 - spread)), PredictionIntervalUpperBound: amount(mean * (1 + spread)),
		})
		day = next
	}
	out.Total = &cetypes.MetricValue{Amount: amount(total), Unit: aws.String("USD")}
	return out, nil
}
