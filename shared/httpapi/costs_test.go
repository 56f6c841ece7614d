package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// costsAPI serves the cost routes over a Cost Explorer stub.
func costsAPI(calls *awsstub.Counter) http.Handler {
	return newAPI(httpapi.Deps{Costs: costsService(calls), Now: func() time.Time { return clock }})
}

// costsService is the cost service over a Cost Explorer stub.
func costsService(calls *awsstub.Counter) *costs.Service {
	h := calls.Wrap(func(_ context.Context, c awsstub.Call) (any, error) {
		switch c.Input.(type) {
		case *costexplorer.GetCostAndUsageInput:
			return &costexplorer.GetCostAndUsageOutput{ResultsByTime: []cetypes.ResultByTime{{
				TimePeriod: &cetypes.DateInterval{Start: aws.String("2026-11-25"), End: aws.String("2026-11-26")}, Estimated: true,
				Groups: []cetypes.Group{
					{Keys: []string{"Amazon EC2"}, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String("10.5"), Unit: aws.String("USD")}}},
					{Keys: []string{"AWS Lambda"}, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String("0.0000001234"), Unit: aws.String("USD")}}},
				}}}}, nil
		case *costexplorer.GetCostForecastInput:
			return &costexplorer.GetCostForecastOutput{Total: &cetypes.MetricValue{Amount: aws.String("300"), Unit: aws.String("USD")},
				ForecastResultsByTime: []cetypes.ForecastResult{{TimePeriod: &cetypes.DateInterval{Start: aws.String("2026-11-26"), End: aws.String("2026-11-27")},
					MeanValue: aws.String("10"), PredictionIntervalLowerBound: aws.String("8"), PredictionIntervalUpperBound: aws.String("12")}}}, nil
		}
		return nil, nil
	})
	return costs.New(costs.ClientFrom(awsstub.Clients(h)), nil, costquery.Options{Now: func() time.Time { return clock }})
}

func TestCostsRoutes(t *testing.T) {
	var calls awsstub.Counter
	h := costsAPI(&calls)
	var first struct {
		Total   string `json:"total"`
		Cached  bool   `json:"cached"`
		Periods []struct {
			Estimated bool `json:"estimated"`
		} `json:"periods"`
		Groups []struct{ Key, Amount string }
	}
	for i := range 60 {
		r := do(t, h, "GET", "/costs?days=30&group_by=SERVICE")
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if i == 0 {
			if err := json.Unmarshal(r.env.Data, &first); err != nil {
				t.Fatal(err)
			}
		}
	}
	if first.Total != "10.5000001234" || first.Cached || !first.Periods[0].Estimated || first.Groups[0].Key != "Amazon EC2" {
		t.Errorf("report %+v", first)
	}
	if n := calls.Count("Cost Explorer.GetCostAndUsage"); n != 1 {
		t.Errorf("60 identical requests made %d Cost Explorer calls, want 1", n)
	}
	r := do(t, h, "GET", "/costs/forecast?days=1")
	if r.status != 200 || calls.Count("Cost Explorer.GetCostForecast") != 1 {
		t.Errorf("forecast %d %s", r.status, r.body)
	}
	for target, param := range map[string]string{
		"/costs?group_by=AZ":                     "group_by",
		"/costs?days=30&days=31":                 "days",
		"/costs?start=2026-11-20":                "end",
		"/costs?start=2026-13-01&end=2026-13-02": "start",
		"/costs?metric=Usage":                    "metric",
		"/costs?region=us-east-1":                "region",
		"/costs/forecast?days=365":               "days",
		"/costs/forecast?group_by=SERVICE":       "group_by",
	} {
		if r := do(t, h, "GET", target); r.status != 400 || r.env.Error.Param != param {
			t.Errorf("%s: %d %s, want 400 naming %s", target, r.status, r.body, param)
		}
	}
}
