package costs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/costs/costquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

var now = time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

// fakeCE serves GetCostAndUsage from pages of results, and a forecast.
type fakeCE struct {
	pages    [][]cetypes.ResultByTime
	forecast *costexplorer.GetCostForecastOutput
	err      error
	mu       sync.Mutex
	inputs   []*costexplorer.GetCostAndUsageInput
}

func (f *fakeCE) handle(_ context.Context, c awsstub.Call) (any, error) {
	if f.err != nil {
		return nil, f.err
	}
	switch in := c.Input.(type) {
	case *costexplorer.GetCostAndUsageInput:
		f.mu.Lock()
		cp := *in
		f.inputs = append(f.inputs, &cp)
		f.mu.Unlock()
		i := 0
		if in.NextPageToken != nil {
			i, _ = strconv.Atoi(strings.TrimPrefix(*in.NextPageToken, "page-"))
		}
		out := &costexplorer.GetCostAndUsageOutput{}
		if i < len(f.pages) {
			out.ResultsByTime = f.pages[i]
		}
		if i+1 < len(f.pages) {
			out.NextPageToken = aws.String(fmt.Sprintf("page-%d", i+1))
		}
		return out, nil
	case *costexplorer.GetCostForecastInput:
		return f.forecast, nil
	}
	return nil, fmt.Errorf("unexpected %s", c.Operation)
}

func day(d int) *cetypes.DateInterval {
	start := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC)
	return &cetypes.DateInterval{Start: aws.String(start.Format(costquery.DateLayout)), End: aws.String(start.AddDate(0, 0, 1).Format(costquery.DateLayout))}
}

func group(key, amount string) cetypes.Group {
	return cetypes.Group{Keys: []string{key}, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String(amount), Unit: aws.String("USD")}}}
}

func service(f *fakeCE, opts costquery.Options) (*Service, *awsstub.Counter) {
	var calls awsstub.Counter
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	return New(ClientFrom(awsstub.Clients(calls.Wrap(f.handle))), nil, opts), &calls
}

func query(t *testing.T, s costquery.QueryInput) costquery.Query {
	t.Helper()
	q, err := costquery.NewQuery(s, now)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestReportReadsEveryPageAndAddsExactly(t *testing.T) {
	// Day 1 is split over two pages; day 2 is estimated.
	f := &fakeCE{pages: [][]cetypes.ResultByTime{
		{{TimePeriod: day(1), Groups: []cetypes.Group{group("Amazon EC2", "15.43"), group("Amazon S3", "0.0000001234")}}},
		{{TimePeriod: day(1), Groups: []cetypes.Group{group("AWS Lambda", "0.10")}},
			{TimePeriod: day(2), Estimated: true, Groups: []cetypes.Group{group("Amazon EC2", "16.57"), group("AWS Lambda", "0.2")}}},
		{{TimePeriod: day(3), Groups: []cetypes.Group{}}},
	}}
	s, calls := service(f, costquery.Options{})
	r, err := s.Report(context.Background(), query(t, costquery.QueryInput{}))
	if err != nil {
		t.Fatal(err)
	}
	if calls.Total() != 3 || r.Requests != 3 || r.Cached {
		t.Errorf("%d calls, %d counted, cached %v; want every one of 3 pages", calls.Total(), r.Requests, r.Cached)
	}
	if r.Total.String() != "32.3000001234" || r.Currency != "USD" {
		t.Errorf("total %s %s", r.Total, r.Currency)
	}
	got := []string{}
	sum := cloudscope.Amount{}
	for _, g := range r.Groups {
		got = append(got, fmt.Sprintf("%s=%s(%.4f)", g.Key, g.Amount, g.Share))
		sum = sum.Add(g.Amount)
	}
	if strings.Join(got, " ") != "Amazon EC2=32.00(0.9907) AWS Lambda=0.30(0.0093) Amazon S3=0.0000001234(0.0000)" {
		t.Errorf("groups %v", got)
	}
	if sum.Cmp(r.Total) != 0 {
		t.Errorf("groups add up to %s, total is %s", sum, r.Total)
	}
	if len(r.Periods) != 3 || r.Periods[0].Total.String() != "15.5300001234" || r.Periods[0].Estimated ||
		!r.Periods[1].Estimated || r.Periods[1].Groups["AWS Lambda"].String() != "0.20" || !r.Periods[2].Total.IsZero() {
		t.Errorf("periods %+v", r.Periods)
	}
	in := f.inputs[0]
	if *in.TimePeriod.Start != "2026-10-27" || *in.TimePeriod.End != "2026-11-26" || in.Granularity != "DAILY" ||
		in.Metrics[0] != "UnblendedCost" || *in.GroupBy[0].Key != "SERVICE" {
		t.Errorf("asked Cost Explorer for %+v", in)
	}
}

func TestTenThousandLinesAddToTheCent(t *testing.T) {
	var results []cetypes.ResultByTime
	for d := 1; d <= 25; d++ {
		var groups []cetypes.Group
		for g := range 400 {
			amt := "15.43"
			if g%2 == 0 {
				amt = "0.0000001234"
			}
			groups = append(groups, group(fmt.Sprintf("svc-%03d", g), amt))
		}
		results = append(results, cetypes.ResultByTime{TimePeriod: day(d), Groups: groups})
	}
	s, _ := service(&fakeCE{pages: [][]cetypes.ResultByTime{results[:10], results[10:]}}, costquery.Options{})
	r, err := s.Report(context.Background(), query(t, costquery.QueryInput{}))
	if err != nil {
		t.Fatal(err)
	}
	// 5,000 x 15.43 + 5,000 x 0.0000001234
	if r.Total.String() != "77150.000617" || r.Total.Cents() != "77150.00" {
		t.Errorf("total %s", r.Total)
	}
}

func TestIdenticalRequestsWithinTheTTLMakeOneCall(t *testing.T) {
	clock := now
	f := &fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("Amazon EC2", "1.00")}}}}}
	s, calls := service(f, costquery.Options{TTL: time.Hour, Now: func() time.Time { return clock }})
	q := query(t, costquery.QueryInput{})
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			r, err := s.Report(context.Background(), q)
			if err != nil || r.Total.String() != "1.00" {
				t.Errorf("%v %v", r, err)
			}
		})
	}
	wg.Wait()
	if calls.Total() != 1 {
		t.Errorf("60 identical requests made %d Cost Explorer calls, want 1", calls.Total())
	}
	r, _ := s.Report(context.Background(), q)
	if !r.Cached || r.Requests != 0 || !r.FetchedAt.Equal(now) {
		t.Errorf("a cached answer should say so: %+v", r.Fetched)
	}
	// Distinct queries: one call each.
	for _, g := range []string{"REGION", "LINKED_ACCOUNT", "TAG:team"} {
		if _, err := s.Report(context.Background(), query(t, costquery.QueryInput{GroupBy: g})); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Total() != 4 {
		t.Errorf("3 distinct queries more: %d calls, want 4", calls.Total())
	}
	// After the TTL, one more.
	clock = clock.Add(time.Hour)
	r, _ = s.Report(context.Background(), q)
	if calls.Total() != 5 || r.Cached || r.Requests != 1 {
		t.Errorf("after expiry: %d calls, %+v", calls.Total(), r.Fetched)
	}
}

func TestTagGroups(t *testing.T) {
	f := &fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("team$shop", "3"), group("team$", "1")}}}}}
	s, _ := service(f, costquery.Options{})
	r, err := s.Report(context.Background(), query(t, costquery.QueryInput{GroupBy: "tag:team"}))
	if err != nil {
		t.Fatal(err)
	}
	if r.GroupBy != "TAG:team" || r.Groups[0].Key != "shop" || r.Groups[1].Key != "(untagged)" {
		t.Errorf("%s %+v", r.GroupBy, r.Groups)
	}
	if def := f.inputs[0].GroupBy[0]; def.Type != cetypes.GroupDefinitionTypeTag || *def.Key != "team" {
		t.Errorf("group definition %+v", def)
	}
}

func TestMixedCurrenciesAreRefused(t *testing.T) {
	eur := cetypes.Group{Keys: []string{"x"}, Metrics: map[string]cetypes.MetricValue{"UnblendedCost": {Amount: aws.String("1"), Unit: aws.String("EUR")}}}
	s, _ := service(&fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("a", "1"), eur}}}}}, costquery.Options{})
	if _, err := s.Report(context.Background(), query(t, costquery.QueryInput{})); err == nil || !strings.Contains(err.Error(), "USD and EUR") {
		t.Errorf("got %v", err)
	}
}

func TestForecast(t *testing.T) {
	f := &fakeCE{forecast: &costexplorer.GetCostForecastOutput{
		Total: &cetypes.MetricValue{Amount: aws.String("912.3456"), Unit: aws.String("USD")},
		ForecastResultsByTime: []cetypes.ForecastResult{{TimePeriod: day(27), MeanValue: aws.String("30.1"),
			PredictionIntervalLowerBound: aws.String("25.5"), PredictionIntervalUpperBound: aws.String("35.25")}},
	}}
	s, calls := service(f, costquery.Options{})
	q, err := costquery.NewForecastQuery("", "", "", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := s.Forecast(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if fc.Total.String() != "912.3456" || fc.Start != "2026-11-26" || fc.End != "2026-12-26" || fc.PredictionInterval != 80 ||
		len(fc.Periods) != 1 || fc.Periods[0].Lower.String() != "25.50" || fc.Periods[0].Upper.String() != "35.25" {
		t.Errorf("forecast %+v", fc)
	}
	if _, err := s.Forecast(context.Background(), q); err != nil || calls.Total() != 1 {
		t.Errorf("a second forecast made %d calls (%v)", calls.Total(), err)
	}
}

func TestErrorMapping(t *testing.T) {
	for code, want := range map[string]cloudscope.ErrorCode{
		"DataUnavailableException": cloudscope.CodeUnavailable,
		"LimitExceededException":   cloudscope.CodeThrottled,
		"AccessDeniedException":    cloudscope.CodeAccessDenied,
		"BillExpirationException":  cloudscope.CodeInvalid,
		"ValidationException":      cloudscope.CodeUpstream,
	} {
		s, _ := service(&fakeCE{err: awsstub.APIError(code, "no")}, costquery.Options{})
		_, err := s.Report(context.Background(), query(t, costquery.QueryInput{}))
		if cloudscope.CodeOf(err) != want {
			t.Errorf("%s: got %v, want %s", code, err, want)
		}
		q, _ := costquery.NewForecastQuery("7", "", "", nil, now)
		if _, err := s.Forecast(context.Background(), q); cloudscope.CodeOf(err) != want {
			t.Errorf("forecast %s: got %v", code, err)
		}
	}
	s, calls := service(&fakeCE{err: awsstub.APIError("AccessDeniedException", "no")}, costquery.Options{})
	for range 2 {
		_, _ = s.Report(context.Background(), query(t, costquery.QueryInput{}))
	}
	if calls.Total() != 2 {
		t.Errorf("a failed answer was cached: %d calls", calls.Total())
	}
}

// A query of some accounts asks Cost Explorer for their spend only, and is
// cached apart from the query of every account.
func TestAccountsFilterTheSpend(t *testing.T) {
	f := &fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("111111111111", "3")}}}}}
	s, calls := service(f, costquery.Options{})
	ctx := context.Background()
	if _, err := s.Report(ctx, query(t, costquery.QueryInput{GroupBy: "LINKED_ACCOUNT"})); err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, query(t, costquery.QueryInput{GroupBy: "LINKED_ACCOUNT", Accounts: []string{"111111111111"}}))
	if err != nil {
		t.Fatal(err)
	}
	if calls.Total() != 2 || r.Cached {
		t.Errorf("%d calls, cached %v: the filtered query must not be served the unfiltered answer", calls.Total(), r.Cached)
	}
	if f.inputs[0].Filter != nil {
		t.Errorf("every account: filter %+v, want none", f.inputs[0].Filter)
	}
	got := f.inputs[1].Filter
	if got == nil || got.Dimensions == nil || got.Dimensions.Key != cetypes.DimensionLinkedAccount || len(got.Dimensions.Values) != 1 || got.Dimensions.Values[0] != "111111111111" {
		t.Errorf("filter %+v, want LINKED_ACCOUNT = 111111111111", got)
	}
}

func TestNewQuery(t *testing.T) {
	for _, tc := range []struct {
		spec        costquery.QueryInput
		want        string
		param, text string
	}{
		{spec: costquery.QueryInput{}, want: "2026-10-27..2026-11-26/DAILY/SERVICE/UnblendedCost"},
		{spec: costquery.QueryInput{Days: "7", Granularity: "monthly", GroupBy: "region", Metric: "amortizedcost"}, want: "2026-11-19..2026-11-26/MONTHLY/REGION/AmortizedCost"},
		{spec: costquery.QueryInput{Start: "2026-11-01", End: "2026-11-27"}, want: "2026-11-01..2026-11-27/DAILY/SERVICE/UnblendedCost"},
		{spec: costquery.QueryInput{GroupBy: "TAG:cost-center"}, want: "2026-10-27..2026-11-26/DAILY/TAG:cost-center/UnblendedCost"},
		{spec: costquery.QueryInput{Days: "0"}, param: "days", text: "whole number"},
		{spec: costquery.QueryInput{Days: "3x"}, param: "days", text: "whole number"},
		{spec: costquery.QueryInput{Days: "500"}, param: "days", text: "13 months"},
		{spec: costquery.QueryInput{Days: "3", Start: "2026-11-01"}, param: "days", text: "not both"},
		{spec: costquery.QueryInput{Start: "2026-11-01"}, param: "end", text: "both"},
		{spec: costquery.QueryInput{Start: "2026-11-31", End: "2026-12-01"}, param: "start", text: "YYYY-MM-DD"},
		{spec: costquery.QueryInput{Start: "2026-11-10", End: "2026-11-10"}, param: "start", text: "not before end"},
		{spec: costquery.QueryInput{Start: "2025-09-30", End: "2025-10-10"}, param: "start", text: "older than Cost Explorer keeps"},
		{spec: costquery.QueryInput{Start: "2026-11-01", End: "2026-11-28"}, param: "end", text: "future"},
		{spec: costquery.QueryInput{Granularity: "HOURLY"}, param: "granularity", text: "DAILY, MONTHLY"},
		{spec: costquery.QueryInput{GroupBy: "AZ"}, param: "group_by", text: "SERVICE, REGION, LINKED_ACCOUNT, USAGE_TYPE, or TAG:<key>"},
		{spec: costquery.QueryInput{GroupBy: "TAG:"}, param: "group_by", text: "not a tag key"},
		{spec: costquery.QueryInput{GroupBy: "TAG:a&b"}, param: "group_by", text: "not a tag key"},
		{spec: costquery.QueryInput{Metric: "UsageQuantity"}, param: "metric", text: "UnblendedCost, AmortizedCost"},
		{spec: costquery.QueryInput{GroupBy: "account"}, want: "2026-10-27..2026-11-26/DAILY/LINKED_ACCOUNT/UnblendedCost"},
		// One set of accounts is one cache key, whatever the order given.
		{spec: costquery.QueryInput{Accounts: []string{"222222222222", "111111111111", "222222222222"}}, want: "2026-10-27..2026-11-26/DAILY/SERVICE/UnblendedCost/accounts=111111111111,222222222222"},
		{spec: costquery.QueryInput{Accounts: []string{"1111"}}, param: "accounts", text: "not an AWS account id"},
	} {
		q, err := costquery.NewQuery(tc.spec, now)
		if tc.text != "" {
			ce, ok := err.(*cloudscope.Error)
			if !ok || ce.Param != tc.param || !strings.Contains(ce.Message, tc.text) {
				t.Errorf("%+v: got %v, want %s: %s", tc.spec, err, tc.param, tc.text)
			}
			continue
		}
		if err != nil || q.String() != tc.want {
			t.Errorf("%+v: got %s, %v; want %s", tc.spec, q, err, tc.want)
		}
	}
	if _, err := costquery.NewForecastQuery("91", "", "", nil, now); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a 91-day forecast: %v", err)
	}
	if q, err := costquery.NewForecastQuery("", "", "", []string{"222222222222"}, now); err != nil || q.String() != "forecast:2026-11-26..2026-12-26/DAILY/UnblendedCost/accounts=222222222222" {
		t.Errorf("a forecast of one account: %s, %v", q, err)
	}
	if _, err := costquery.NewForecastQuery("", "", "", []string{"2"}, now); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a forecast of a bad account: %v", err)
	}
}

func TestMemoryCacheIsBounded(t *testing.T) {
	c := NewMemoryCache(func() time.Time { return now })
	for i := range MaxEntries + 10 {
		_ = c.Put(context.Background(), fmt.Sprint(i), []byte("x"), time.Duration(i+1)*time.Minute)
	}
	if len(c.entries) != MaxEntries {
		t.Errorf("%d entries", len(c.entries))
	}
	if _, ok, _ := c.Get(context.Background(), "0"); ok {
		t.Error("the entry nearest expiry was kept")
	}
	if _, ok, _ := c.Get(context.Background(), fmt.Sprint(MaxEntries+9)); !ok {
		t.Error("the newest entry was dropped")
	}
}

// TestIAMActionsMatchTheCalls holds IAMActions to the calls the package makes.
func TestIAMActionsMatchTheCalls(t *testing.T) {
	f := &fakeCE{forecast: &costexplorer.GetCostForecastOutput{}}
	s, calls := service(f, costquery.Options{})
	if _, err := s.Report(context.Background(), query(t, costquery.QueryInput{})); err != nil {
		t.Fatal(err)
	}
	q, _ := costquery.NewForecastQuery("", "", "", nil, now)
	if _, err := s.Forecast(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if got := calls.String(); got != "Cost Explorer.GetCostAndUsage=1 Cost Explorer.GetCostForecast=1 " ||
		strings.Join(IAMActions, " ") != "ce:GetCostAndUsage ce:GetCostForecast" {
		t.Errorf("calls %s, actions %v", got, IAMActions)
	}
	readme.RequireIAMActions(t, IAMActions)
}

// slowCache is a cache whose reads take a while, as DynamoDB's do.
type slowCache struct{ *MemoryCache }

func (c slowCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	time.Sleep(20 * time.Millisecond)
	return c.MemoryCache.Get(ctx, key)
}

func TestSlowCacheStillMakesOneCall(t *testing.T) {
	f := &fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("Amazon EC2", "1.00")}}}}}
	var calls awsstub.Counter
	clock := func() time.Time { return now }
	s := New(ClientFrom(awsstub.Clients(calls.Wrap(awsstub.Delay(5*time.Millisecond, f.handle)))), slowCache{NewMemoryCache(clock)}, costquery.Options{Now: clock})
	q := query(t, costquery.QueryInput{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 2 * time.Millisecond) // arrivals spread over the fetch
			if _, err := s.Report(context.Background(), q); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if calls.Total() != 1 {
		t.Errorf("%d Cost Explorer calls for 20 identical requests, want 1", calls.Total())
	}
}

func TestOneCallerLeavingDoesNotFailTheOthers(t *testing.T) {
	f := &fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("Amazon EC2", "1.00")}}}}}
	s := New(ClientFrom(awsstub.Clients(awsstub.Delay(50*time.Millisecond, f.handle))), nil, costquery.Options{Now: func() time.Time { return now }})
	q := query(t, costquery.QueryInput{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = s.Report(ctx, q) }() // leads the fetch, then leaves
	time.Sleep(10 * time.Millisecond)
	cancel()
	if r, err := s.Report(context.Background(), q); err != nil || r.Total.String() != "1.00" {
		t.Errorf("the waiting request got %v, %v", r, err)
	}
}

// brokenCache fails every read and write.
type brokenCache struct{}

func (brokenCache) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, errors.New("table gone")
}
func (brokenCache) Put(context.Context, string, []byte, time.Duration) error {
	return errors.New("table gone")
}

func TestABrokenCacheStillAnswersAndSaysSo(t *testing.T) {
	f := &fakeCE{pages: [][]cetypes.ResultByTime{{{TimePeriod: day(1), Groups: []cetypes.Group{group("Amazon EC2", "1.00")}}}}}
	s := New(ClientFrom(awsstub.Clients(f.handle)), brokenCache{}, costquery.Options{Now: func() time.Time { return now }})
	r, err := s.Report(context.Background(), query(t, costquery.QueryInput{}))
	if err != nil || r.Total.String() != "1.00" || r.CacheError != "table gone" {
		t.Errorf("got %+v, %v", r, err)
	}
}

func TestAFailureAfterPagesSaysWhatWasBilled(t *testing.T) {
	pages := 0
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		pages++
		if pages == 3 {
			return nil, awsstub.APIError("LimitExceededException", "slow down")
		}
		out := &costexplorer.GetCostAndUsageOutput{NextPageToken: aws.String(fmt.Sprint("page-", pages))}
		return out, nil
	}
	s := New(ClientFrom(awsstub.Clients(h)), nil, costquery.Options{Now: func() time.Time { return now }})
	_, err := s.Report(context.Background(), query(t, costquery.QueryInput{}))
	var billed *costquery.BilledError
	if !errors.As(err, &billed) || billed.Requests != 2 || cloudscope.CodeOf(err) != cloudscope.CodeThrottled {
		t.Errorf("got %v (%#v)", err, billed)
	}
}
