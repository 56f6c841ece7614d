// Package bill prices cloudscope's own AWS calls: the list prices of the
// billed APIs it calls (one table, with their date and source), the bill of
// a scan from what the scan counted, and a model of what a day or a scan of
// cloudscope costs at any size, for the README and the organization
// benchmark. It is pure: no AWS call, no clock.
package bill

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The billed (and counted) APIs, named as a snapshot's aws_calls names them.
const (
	CostExplorer     = "ce:GetCostAndUsage"
	CostForecast     = "ce:GetCostForecast"
	GetMetricData    = "cloudwatch:GetMetricData"
	PriceList        = "pricing:GetProducts"
	StateTransitions = "states:StateTransition"
	LambdaCompute    = "lambda:GB-second"
	LambdaRequests   = "lambda:Invoke"
)

// Currency of every price here.
const Currency = "USD"

// PriceDate is when the prices below were read from AWS's public price
// pages (us-east-1; the same in most commercial regions).
const PriceDate = "2026-11-29"

// Source names where the prices come from.
const Source = "AWS public price pages: aws.amazon.com/aws-cost-management/pricing (Cost Explorer API), " +
	"aws.amazon.com/cloudwatch/pricing (GetMetricData), aws.amazon.com/step-functions/pricing (standard workflows), " +
	"aws.amazon.com/lambda/pricing (arm64); the Price List Query API and List/Describe calls are free"

// Price is one API's list price: Per units of Unit cost Amount.
type Price struct {
	Unit   string
	Amount string // USD, exact decimal
	Per    int64
}

// Prices are the list prices of the APIs cloudscope pays for, and the free
// ones it counts. An API not listed is a free List/Describe call.
var Prices = map[string]Price{
	CostExplorer:     {Unit: "request", Amount: "0.01", Per: 1},        // every page billed; cached answers cost nothing
	CostForecast:     {Unit: "request", Amount: "0.01", Per: 1},        // the same Cost Explorer API price
	GetMetricData:    {Unit: "metric", Amount: "0.01", Per: 1000},      // per metric requested
	PriceList:        {Unit: "request", Amount: "0", Per: 1},           // free
	StateTransitions: {Unit: "transition", Amount: "0.025", Per: 1000}, // standard workflows
	LambdaCompute:    {Unit: "GB-second", Amount: "0.0000133334", Per: 1},
	LambdaRequests:   {Unit: "request", Amount: "0.20", Per: 1000000},
}

// unitPrice is api's price for one unit, and its unit ("request" for a free
// call not listed).
func unitPrice(api string) (cloudscope.Amount, string) {
	p, ok := Prices[api]
	if !ok {
		return cloudscope.Amount{}, "request"
	}
	a, err := cloudscope.ParseAmount(p.Amount)
	if err != nil {
		panic(fmt.Sprintf("bill: price of %s: %v", api, err)) // a typo in the table above
	}
	per, _ := cloudscope.ParseAmount(fmt.Sprint(p.Per))
	return cloudscope.AmountOf(1).Mul(a).Div(per), p.Unit
}

// OfScan is the bill of a scan that made calls (requests by API, as a
// snapshot's aws_calls counts them) and counted units of the APIs billed by
// something other than the request (GetMetricData: metrics requested).
// An API billed per request is billed for its calls.
func OfScan(calls map[string]int, units map[string]int64) *cloudscope.Bill {
	b := &cloudscope.Bill{Items: []cloudscope.BillItem{}, Currency: Currency, PriceDate: PriceDate, Source: Source}
	apis := slices.Collect(maps.Keys(calls))
	for api := range units {
		if _, ok := calls[api]; !ok {
			apis = append(apis, api)
		}
	}
	slices.Sort(apis)
	for _, api := range apis {
		price, unit := unitPrice(api)
		n := int64(calls[api])
		if u, ok := units[api]; ok {
			n = u
		} else if unit != "request" {
			n = 0 // billed by a unit this scan did not count: say nothing rather than guess
		}
		b.Items = append(b.Items, item(api, int64(calls[api]), n, unit, price))
	}
	b.Total = total(b.Items)
	return b
}

func item(api string, calls, units int64, unit string, price cloudscope.Amount) cloudscope.BillItem {
	return cloudscope.BillItem{API: api, Calls: calls, Units: units, Unit: unit, UnitPrice: price,
		Charge: cloudscope.AmountOf(units).Mul(price)}
}

func total(items []cloudscope.BillItem) cloudscope.Amount {
	var t cloudscope.Amount
	for _, it := range items {
		t = t.Add(it.Charge)
	}
	return t
}

// Rates are what one scan costs per unit of work, as measured by the scan
// benchmark on the stub client (BenchmarkScanBill in shared/scan): they are
// the model's inputs.
type Rates struct {
	// MetricsPerResource is GetMetricData metrics requested per resource.
	// It is fixed per type (the rule metrics and statistics of the
	// catalogue), so the mix of types sets it, not the count.
	MetricsPerResource float64
	// FreeCallsPerResource is List/Describe requests per resource (pages of
	// 50 to 1,000 resources, and the region list).
	FreeCallsPerResource float64
	// CostExplorerPages is the Cost Explorer requests of one cold scan: the
	// pages of one 30-day summary, which grow with days and services, not
	// with resources.
	CostExplorerPages int
	// LambdaGBSecondsPerResource and LambdaGBSecondsFixed are a scan's
	// compute: memory (GB) x duration (s) of the functions that run it.
	LambdaGBSecondsPerResource float64
	LambdaGBSecondsFixed       float64
}

// Scale is what is scanned and how.
type Scale struct {
	Resources int
	Accounts  int
	Regions   int
	// Shards is the number of (account, region[, part]) shards of a sharded
	// scan on Step Functions; 0 for the single scan function.
	Shards int
	// ScansPerDay (default 1: the daily schedule).
	ScansPerDay int
	// CostViewsPerDay is the distinct dashboard cost views (group by,
	// days) opened in a day; each costs its pages once per cache lifetime
	// (CacheHours, default 6) it is looked at, and nothing while cached.
	CostViewsPerDay int
	CacheHours      int
}

// Transitions of a sharded scan on a standard Step Functions workflow:
// the plan task (enter, exit), the map state (enter, exit), each shard's
// item (enter, task, exit: 3) and the finalize task (enter, exit), as the
// state machine of issue 14 is drawn. One place to change when it is.
const (
	TransitionsFixed    = 6
	TransitionsPerShard = 3
)

// Model estimates a day of cloudscope at scale s from rates measured on a
// smaller scan. It is a model, linear in resources: the metrics requested
// per resource are fixed by the catalogue, list pages and metric batches
// hold a fixed number of resources, and the Cost Explorer pages depend on
// the query (days, services, accounts grouped), not on the resources. What
// does not scale with resources is counted per scan (Cost Explorer pages),
// per shard (state transitions, one function invocation each) or per day
// (dashboard views).
func Model(s Scale, r Rates) (*cloudscope.Bill, error) {
	if s.Resources < 0 || s.Accounts < 0 || s.Regions < 0 || s.Shards < 0 || s.ScansPerDay < 0 || s.CostViewsPerDay < 0 || s.CacheHours < 0 {
		return nil, cloudscope.Invalid("scale", "counts must not be negative")
	}
	scans := int64(cmp.Or(s.ScansPerDay, 1))
	cacheHours := cmp.Or(s.CacheHours, 6)
	refreshes := int64((24 + cacheHours - 1) / cacheHours)
	res := float64(s.Resources)
	ceil := func(f float64) int64 { return int64(math.Ceil(f - 1e-9)) }

	metricsN := scans * ceil(r.MetricsPerResource*res)
	ce := scans*int64(r.CostExplorerPages) + int64(s.CostViewsPerDay)*refreshes*int64(max(1, r.CostExplorerPages))
	free := scans * ceil(r.FreeCallsPerResource*res)
	invocations := scans * int64(max(1, s.Shards+2*min(1, s.Shards))) // one scan function, or plan + shards + finalize
	gbs := scans * ceil(r.LambdaGBSecondsFixed*float64(invocations/scans)+r.LambdaGBSecondsPerResource*res)
	var transitions int64
	if s.Shards > 0 {
		transitions = scans * int64(TransitionsFixed+TransitionsPerShard*s.Shards)
	}

	b := &cloudscope.Bill{Items: []cloudscope.BillItem{}, Currency: Currency, PriceDate: PriceDate, Source: Source}
	add := func(api string, calls, units int64) {
		price, unit := unitPrice(api)
		b.Items = append(b.Items, item(api, calls, units, unit, price))
	}
	add(CostExplorer, ce, ce)
	add(GetMetricData, ceil(float64(metricsN)/300), metricsN) // 300 queries a call at 14 days hourly
	add("list/describe (free)", free, free)
	add(LambdaRequests, invocations, invocations)
	add(LambdaCompute, invocations, gbs)
	if transitions > 0 {
		add(StateTransitions, transitions, transitions)
	}
	b.Total = total(b.Items)
	return b, nil
}
