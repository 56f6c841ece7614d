// Package costs answers "how much am I spending, on what, day by day" from
// Cost Explorer: every page of GetCostAndUsage, exact decimal sums, totals,
// shares and chart-ready series, and a forecast. Cost Explorer bills each
// request ($0.01) and refreshes a few times a day, so every answer is cached
// under its normalized query for hours.
package costs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/costs/costquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/costexplorerclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Region is where Cost Explorer is served.
const Region = "us-east-1"

// IAMActions lists every IAM action the costs package calls: Report's and Forecast's.
var IAMActions = append(append([]string{}, ReportIAMActions...), ForecastIAMActions...)

// ReportIAMActions are what Report calls; ForecastIAMActions what Forecast calls.
var (
	ReportIAMActions   = []string{"ce:GetCostAndUsage"}
	ForecastIAMActions = []string{"ce:GetCostForecast"}
)

// CostExplorerAPI is the part of the Cost Explorer client this package calls.
type CostExplorerAPI interface {
	GetCostAndUsage(ctx context.Context, in *costexplorer.GetCostAndUsageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error)
	GetCostForecast(ctx context.Context, in *costexplorer.GetCostForecastInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostForecastOutput, error)
}

// ClientFrom returns the Cost Explorer client of the shared set, in us-east-1.
func ClientFrom(c *awsconf.Clients) CostExplorerAPI { return costexplorerclient.In(c, Region) }

// ClientOf returns a Cost Explorer client that asks clients, at each call,
// whose clients to ask: for an organization read from a delegated
// administrator, the management account's (through its cost role), which
// are known only once the organization has been asked.
func ClientOf(clients func(context.Context) (*awsconf.Clients, error)) CostExplorerAPI {
	return clientOf(clients)
}

type clientOf func(context.Context) (*awsconf.Clients, error)

// unreached is why ClientOf found no client: reported as it is, never
// as Cost Explorer's own answer.
type unreached struct{ err error }

func (u unreached) Error() string { return u.err.Error() }
func (u unreached) Unwrap() error { return u.err }

func (f clientOf) GetCostAndUsage(ctx context.Context, in *costexplorer.GetCostAndUsageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error) {
	c, err := f(ctx)
	if err != nil {
		return nil, unreached{err}
	}
	return ClientFrom(c).GetCostAndUsage(ctx, in, optFns...)
}

func (f clientOf) GetCostForecast(ctx context.Context, in *costexplorer.GetCostForecastInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostForecastOutput, error) {
	c, err := f(ctx)
	if err != nil {
		return nil, unreached{err}
	}
	return ClientFrom(c).GetCostForecast(ctx, in, optFns...)
}

// Service answers cost questions through a cache.
type Service struct {
	client CostExplorerAPI
	cache  Cache
	opts   costquery.Options

	mu       sync.Mutex
	inflight map[string]*flight
}

// New returns a Service. A nil cache means an in-memory one.
func New(client CostExplorerAPI, cache Cache, opts costquery.Options) *Service {
	if opts.TTL <= 0 {
		opts.TTL = 6 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if cache == nil {
		cache = NewMemoryCache(opts.Now)
	}
	return &Service{client: client, cache: cache, opts: opts, inflight: map[string]*flight{}}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.opts.Now() }

// Report answers q from the cache, or from Cost Explorer (every page) when
// the cache has no fresh answer.
func (s *Service) Report(ctx context.Context, q costquery.Query) (*costquery.Report, error) {
	var r costquery.Report
	err := s.cached(ctx, q.String(), &r, func(ctx context.Context) (any, error) { return s.fetchReport(ctx, q) })
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Forecast answers q from the cache or from GetCostForecast.
func (s *Service) Forecast(ctx context.Context, q costquery.ForecastQuery) (*costquery.Forecast, error) {
	var f costquery.Forecast
	err := s.cached(ctx, q.String(), &f, func(ctx context.Context) (any, error) { return s.fetchForecast(ctx, q) })
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func (s *Service) fetchReport(ctx context.Context, q costquery.Query) (*costquery.Report, error) {
	in := &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &cetypes.DateInterval{Start: aws.String(q.Start), End: aws.String(q.End)},
		Granularity: cetypes.Granularity(q.Granularity),
		Metrics:     []string{q.Metric},
		GroupBy:     []cetypes.GroupDefinition{groupDefinition(q.GroupBy)},
		Filter:      accountFilter(q.Accounts),
	}
	if q.ThenBy != "" {
		in.GroupBy = append(in.GroupBy, groupDefinition(q.ThenBy))
	}
	r := &costquery.Report{Query: q, Groups: []cloudscope.GroupTotal{}, Periods: []costquery.Period{}}
	byGroup := map[string]cloudscope.Amount{}
	// The SDK has no paginator for GetCostAndUsage: follow NextPageToken here.
	seen := map[string]bool{}
	for {
		r.Requests++
		page, err := s.client.GetCostAndUsage(ctx, in)
		if err != nil {
			// Failed requests are not billed; the pages before were.
			return nil, &costquery.BilledError{Requests: r.Requests - 1, Err: wrap(err, "GetCostAndUsage")}
		}
		for _, rt := range page.ResultsByTime {
			p, err := period(r, rt)
			if err != nil {
				return nil, err
			}
			for _, g := range rt.Groups {
				key := strings.Join(g.Keys, ", ")
				if strings.HasPrefix(q.GroupBy, "TAG:") {
					key = tagValue(key)
				}
				amt, err := amount(r, g.Metrics[q.Metric])
				if err != nil {
					return nil, err
				}
				p.Groups[key] = p.Groups[key].Add(amt)
				p.Total = p.Total.Add(amt)
				byGroup[key] = byGroup[key].Add(amt)
				r.Total = r.Total.Add(amt)
			}
			// Ungrouped results carry their amount in Total.
			if len(rt.Groups) == 0 {
				if mv, ok := rt.Total[q.Metric]; ok {
					amt, err := amount(r, mv)
					if err != nil {
						return nil, err
					}
					p.Total = p.Total.Add(amt)
					r.Total = r.Total.Add(amt)
				}
			}
		}
		next := aws.ToString(page.NextPageToken)
		if next == "" {
			break
		}
		if seen[next] {
			return nil, cloudscope.Errorf(cloudscope.CodeUpstream, "Cost Explorer returned the same page token twice")
		}
		seen[next] = true
		in.NextPageToken = aws.String(next)
	}
	slices.SortFunc(r.Periods, func(a, b costquery.Period) int { return cmp.Compare(a.Start, b.Start) })
	for k, v := range byGroup {
		r.Groups = append(r.Groups, cloudscope.GroupTotal{Key: k, Amount: v, Share: v.Ratio(r.Total)})
	}
	slices.SortFunc(r.Groups, func(a, b cloudscope.GroupTotal) int { return cmp.Or(b.Amount.Cmp(a.Amount), cmp.Compare(a.Key, b.Key)) })
	return r, nil
}

// period returns the report's period for rt, adding it the first time: a
// time period split over pages lands in one period.
func period(r *costquery.Report, rt cetypes.ResultByTime) (*costquery.Period, error) {
	start, end := aws.ToString(rt.TimePeriod.Start), aws.ToString(rt.TimePeriod.End)
	for i := range r.Periods {
		if r.Periods[i].Start == start {
			r.Periods[i].Estimated = r.Periods[i].Estimated || rt.Estimated
			return &r.Periods[i], nil
		}
	}
	r.Periods = append(r.Periods, costquery.Period{Start: start, End: end, Estimated: rt.Estimated, Groups: map[string]cloudscope.Amount{}})
	return &r.Periods[len(r.Periods)-1], nil
}

// amount parses one metric value and checks its currency against the report's.
func amount(r *costquery.Report, mv cetypes.MetricValue) (cloudscope.Amount, error) {
	amt, err := cloudscope.ParseAmount(aws.ToString(mv.Amount))
	if err != nil {
		return amt, &cloudscope.Error{Code: cloudscope.CodeUpstream, Message: "Cost Explorer returned an amount that is not a number", Err: err}
	}
	unit := aws.ToString(mv.Unit)
	switch {
	case r.Currency == "":
		r.Currency = unit
	case unit != "" && unit != r.Currency:
		return amt, cloudscope.Errorf(cloudscope.CodeUpstream, "Cost Explorer returned amounts in both %s and %s; cloudscope will not add them", r.Currency, unit)
	}
	return amt, nil
}

// tagValue turns Cost Explorer's "key$value" group key into the value, and
// "key$" (resources without the tag) into "(untagged)".
func tagValue(k string) string {
	if _, v, ok := strings.Cut(k, "$"); ok {
		if v == "" {
			return "(untagged)"
		}
		return v
	}
	return k
}

// accountFilter keeps the spend of the given linked accounts; nil (every
// account) when none are given.
func accountFilter(accounts []string) *cetypes.Expression {
	if len(accounts) == 0 {
		return nil
	}
	return &cetypes.Expression{Dimensions: &cetypes.DimensionValues{Key: cetypes.DimensionLinkedAccount, Values: accounts}}
}

func groupDefinition(groupBy string) cetypes.GroupDefinition {
	if key, ok := strings.CutPrefix(groupBy, "TAG:"); ok {
		return cetypes.GroupDefinition{Type: cetypes.GroupDefinitionTypeTag, Key: aws.String(key)}
	}
	return cetypes.GroupDefinition{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String(groupBy)}
}

// forecastMetric maps GetCostAndUsage's metric names to GetCostForecast's.
var forecastMetric = map[string]cetypes.Metric{
	"UnblendedCost":    cetypes.MetricUnblendedCost,
	"AmortizedCost":    cetypes.MetricAmortizedCost,
	"NetUnblendedCost": cetypes.MetricNetUnblendedCost,
	"BlendedCost":      cetypes.MetricBlendedCost,
}

const predictionInterval = 80

func (s *Service) fetchForecast(ctx context.Context, q costquery.ForecastQuery) (*costquery.Forecast, error) {
	out, err := s.client.GetCostForecast(ctx, &costexplorer.GetCostForecastInput{
		TimePeriod:              &cetypes.DateInterval{Start: aws.String(q.Start), End: aws.String(q.End)},
		Granularity:             cetypes.Granularity(q.Granularity),
		Metric:                  forecastMetric[q.Metric],
		PredictionIntervalLevel: aws.Int32(predictionInterval),
		Filter:                  accountFilter(q.Accounts),
	})
	if err != nil {
		return nil, wrap(err, "GetCostForecast")
	}
	f := &costquery.Forecast{ForecastQuery: q, PredictionInterval: predictionInterval, Periods: []costquery.ForecastPeriod{}}
	f.Requests = 1
	parse := func(s *string) (cloudscope.Amount, error) {
		if s == nil {
			return cloudscope.Amount{}, nil
		}
		a, err := cloudscope.ParseAmount(*s)
		if err != nil {
			return a, &cloudscope.Error{Code: cloudscope.CodeUpstream, Message: "Cost Explorer returned a forecast that is not a number", Err: err}
		}
		return a, nil
	}
	if out.Total != nil {
		if f.Total, err = parse(out.Total.Amount); err != nil {
			return nil, err
		}
		f.Currency = aws.ToString(out.Total.Unit)
	}
	for _, r := range out.ForecastResultsByTime {
		p := costquery.ForecastPeriod{Start: aws.ToString(r.TimePeriod.Start), End: aws.ToString(r.TimePeriod.End)}
		if p.Mean, err = parse(r.MeanValue); err != nil {
			return nil, err
		}
		if p.Lower, err = parse(r.PredictionIntervalLowerBound); err != nil {
			return nil, err
		}
		if p.Upper, err = parse(r.PredictionIntervalUpperBound); err != nil {
			return nil, err
		}
		f.Periods = append(f.Periods, p)
	}
	return f, nil
}

// wrap maps Cost Explorer's errors to errors a caller can act on.
func wrap(err error, op string) error {
	var u unreached
	if errors.As(err, &u) {
		return u.err
	}
	switch awserr.Code(err) {
	case "DataUnavailableException":
		return &cloudscope.Error{Code: cloudscope.CodeUnavailable, Err: err,
			Message: "Cost Explorer has no data for this window yet (a new account, or data still being prepared): try again later"}
	case "LimitExceededException":
		return &cloudscope.Error{Code: cloudscope.CodeThrottled, Err: err,
			Message: "Cost Explorer's request limit is reached: try again in a minute"}
	case "AccessDeniedException", "AccessDenied":
		return &cloudscope.Error{Code: cloudscope.CodeAccessDenied, Err: err,
			Message: fmt.Sprintf("%s was denied: Cost Explorer may not be enabled for this account (enable it in the Billing console), or the caller lacks ce:%s", op, op)}
	case "BillExpirationException":
		return &cloudscope.Error{Code: cloudscope.CodeInvalid, Param: "start", Err: err,
			Message: "start: Cost Explorer no longer has bills this old"}
	}
	return awserr.Wrap(err, op)
}
