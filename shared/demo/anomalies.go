package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/smithy-go/middleware"
)

// SpikeService is where the demo's spend jumps today, in SpikeRegion, by
// SpikeUSD: the day its NAT gateways, volumes and snapshots were created
// (by Seed), which the anomaly's explanation lists.
const (
	SpikeService = "EC2 - Other"
	SpikeRegion  = "us-east-1"
	SpikeUSD     = 30.0
)

// AnomalyWeeks answers the daily scan's anomaly query (daily, grouped by
// two dimensions: region or linked account, then service) for the days it
// asks: the demo's daily spend by region and service, lighter at weekends,
// with today's jump. It is answered in-process, as the forecast is: the
// emulator binds queued answers to requests in the order they arrive, and
// this query comes between the first scan's summary and the dashboard's
// first views, so queueing it would shift every answer after it.
func AnomalyWeeks(q *costexplorer.GetCostAndUsageInput, now time.Time) (*costexplorer.GetCostAndUsageOutput, error) {
	if q.TimePeriod == nil || q.TimePeriod.Start == nil || q.TimePeriod.End == nil {
		return nil, fmt.Errorf("demo costs: no time period")
	}
	start, err1 := time.Parse(time.DateOnly, *q.TimePeriod.Start)
	end, err2 := time.Parse(time.DateOnly, *q.TimePeriod.End)
	if err1 != nil || err2 != nil || !start.Before(end) {
		return nil, fmt.Errorf("demo costs: bad time period %s..%s", *q.TimePeriod.Start, *q.TimePeriod.End)
	}
	today := now.UTC().Truncate(24 * time.Hour)
	byAccount := len(q.GroupBy) > 0 && aws.ToString(q.GroupBy[0].Key) == string(cetypes.DimensionLinkedAccount)
	r := rand.New(rand.NewPCG(56, 8))
	out := &costexplorer.GetCostAndUsageOutput{}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		rt := cetypes.ResultByTime{TimePeriod: &cetypes.DateInterval{Start: aws.String(d.Format(time.DateOnly)), End: aws.String(d.AddDate(0, 0, 1).Format(time.DateOnly))},
			Total: map[string]cetypes.MetricValue{}, Estimated: !d.Before(today.AddDate(0, 0, -1))}
		weekday := 1.0
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			weekday = 0.9
		}
		for _, c := range dailyCost {
			for _, rs := range regionShare {
				v := c.usd * rs.share * weekday * (0.97 + 0.06*r.Float64())
				if d.Equal(today) && c.service == SpikeService && rs.region == SpikeRegion {
					v += SpikeUSD
				}
				first := rs.region
				if byAccount {
					first = "123456789012" // the emulator's one account
				}
				rt.Groups = append(rt.Groups, cetypes.Group{Keys: []string{first, c.service},
					Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String(fmt.Sprintf("%.10f", v)), Unit: aws.String("USD")}}})
			}
		}
		out.ResultsByTime = append(out.ResultsByTime, rt)
	}
	return out, nil
}

// anomalyWeeksOption answers the two-dimension daily GetCostAndUsage (the
// anomaly query) in-process with AnomalyWeeks; every other call goes on.
func anomalyWeeksOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("demoAnomalyWeeks",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			q, ok := in.Parameters.(*costexplorer.GetCostAndUsageInput)
			if !ok || len(q.GroupBy) != 2 || q.Granularity != cetypes.GranularityDaily {
				return next.HandleInitialize(ctx, in)
			}
			out, err := AnomalyWeeks(q, time.Now())
			return middleware.InitializeOutput{Result: out}, middleware.Metadata{}, err
		}), middleware.After)
}
