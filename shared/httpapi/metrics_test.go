package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

var clock = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

type fakeMetrics func(context.Context, metricquery.Request) (*metricquery.Result, error)

func (f fakeMetrics) Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
	return f(ctx, r)
}

// TestParseMetricsQuery covers reading the query string: the list forms,
// repeated and unknown parameters. The values' validation is the metrics
// package's (metricquery.NewRequest, tested there); a few cases check it is applied.
func TestParseMetricsQuery(t *testing.T) {
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("fn-%d", i)
	}
	for _, tc := range []struct {
		raw         string
		want        string // the request, printed, for valid queries
		param, text string
	}{
		{raw: "resource_type=ec2&resource_ids=i-0123456789abcdef0,i-01234567&region=us-east-1",
			want: "us-east-1 [i-0123456789abcdef0 i-01234567] 2026-11-25T12:00:00Z 2026-11-26T12:00:00Z 600 []"},
		{raw: "resource_type=lambda&resource_ids=a&resource_ids=b&region=eu-west-1&hours=1&stats=p99,Sum",
			want: "eu-west-1 [a b] 2026-11-26T11:00:00Z 2026-11-26T12:00:00Z 60 [p99 Sum]"},
		{raw: "resource_type=rds&resource_ids=orders-db&region=us-east-1&start=2026-11-20T00:00:00Z&end=2026-11-21T00:00:00Z&period=3600",
			want: "us-east-1 [orders-db] 2026-11-20T00:00:00Z 2026-11-21T00:00:00Z 3600 []"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1&hours=10920",
			want: "us-east-1 [i-01234567] 2025-08-26T00:00:00Z 2026-11-26T12:00:00Z 259200 []"},
		{raw: "resource_ids=i-01234567&region=us-east-1", param: "resource_type", text: "required"},
		{raw: "resource_type=ec2&resource_ids=web-1&region=us-east-1", param: "resource_ids", text: `"web-1" is not an instance id`},
		{raw: "resource_type=lambda&resource_ids=" + strings.Join(ids[:50], ",") + "&resource_ids=" + strings.Join(ids[50:], ",") + "&region=us-east-1",
			param: "resource_ids", text: "more than 100 values given; at most 100"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1,eu-west-1", param: "region", text: "one region"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1&region=eu-west-1", param: "region", text: "given 2 times; it takes one value"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1&hours=1&hours=2", param: "hours", text: "given 2 times"},
		{raw: "resource_type=ec2&resource_type=rds&resource_ids=i-01234567&region=us-east-1", param: "resource_type", text: "given 2 times"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1&start=2026-11-26T00:00:00Z&end=2999-01-01T00:00:00Z", param: "end", text: "in the future"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1&hours=48&period=60", param: "period", text: "2880 points"},
		{raw: "resource_type=ec2&resource_ids=i-01234567&region=us-east-1&resource_id=x", param: "resource_id", text: "unknown parameter"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			req, err := httpapi.ParseMetricsQuery(tc.raw, clock)
			if tc.text != "" {
				ce, ok := err.(*cloudscope.Error)
				if !ok || ce.Param != tc.param || !strings.Contains(ce.Message, tc.text) || !strings.Contains(ce.Message, tc.param) {
					t.Fatalf("got %v, want invalid %s: %s", err, tc.param, tc.text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, tg := range req.Targets {
				ids = append(ids, tg.ID)
			}
			got := fmt.Sprintf("%s %v %s %s %d %v", req.Region, ids, req.Window.Start.Format(time.RFC3339), req.Window.End.Format(time.RFC3339), req.Window.Period, req.Stats)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func FuzzParseMetricsQuery(f *testing.F) {
	for _, s := range []string{"resource_type=ec2&resource_ids=i-01234567&region=us-east-1",
		"resource_type=s3&resource_ids=b1,b2&region=eu-west-1&start=2026-11-01T00:00:00Z&period=86400",
		"hours=-1", "period=0", "stats=p99.9", "start=2026-11-01T00:00:00%2B02:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := httpapi.ParseMetricsQuery(raw, clock)
		if err != nil {
			if cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
				t.Fatalf("error %v is not invalid_parameter", err)
			}
			return
		}
		w := req.Window
		if len(req.Targets) == 0 || len(req.Targets) > metricquery.MaxIDs || !w.Start.Before(w.End) ||
			w.Period < 60 || w.Period%60 != 0 || w.Points() > metricquery.MaxPoints || clock.Sub(w.Start) > metricquery.MaxAge {
			t.Fatalf("accepted %q as %+v", raw, req)
		}
	})
}

func TestMetricsRoute(t *testing.T) {
	var got metricquery.Request
	h := newAPI(httpapi.Deps{Now: func() time.Time { return clock }, Metrics: fakeMetrics(func(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
		got = r
		return &metricquery.Result{Region: r.Region, Window: r.Window, Resources: []cloudscope.ResourceMetrics{
			{Type: cloudscope.EC2, ID: "i-01234567", HasData: true, Metrics: []cloudscope.MetricSeries{{Name: "CPUUtilization", Namespace: "AWS/EC2", Unit: "Percent", Period: 600,
				Stats: map[string][]cloudscope.Point{"Average": {{T: cloudscope.At(clock.Add(-time.Hour)), V: 12.5}}, "Maximum": {}}}}},
			{Type: cloudscope.EC2, ID: "i-89abcdef", HasData: false, Metrics: []cloudscope.MetricSeries{}},
		}}, nil
	})})
	r := do(t, h, "GET", "/metrics?resource_type=ec2&resource_ids=i-01234567,i-89abcdef&region=us-east-1")
	if r.status != 200 || len(got.Targets) != 2 || got.Window.Period != 600 {
		t.Fatalf("%d %s (request %+v)", r.status, r.body, got)
	}
	var data struct {
		Resources []struct {
			HasData bool `json:"has_data"`
			Metrics []struct {
				Stats map[string][]struct {
					T time.Time
					V float64
				}
			}
		}
	}
	if err := json.Unmarshal(r.env.Data, &data); err != nil {
		t.Fatal(err)
	}
	if !data.Resources[0].HasData || data.Resources[1].HasData || data.Resources[0].Metrics[0].Stats["Average"][0].V != 12.5 {
		t.Errorf("data %s", r.env.Data)
	}
	r = do(t, h, "GET", "/metrics?resource_type=ec2&region=us-east-1")
	if r.status != 400 || r.env.Error.Param != "resource_ids" {
		t.Errorf("missing ids: %d %s", r.status, r.body)
	}
}

// Fifty viewers of one chart at once: the route asks for its series once
// (issue 22: every view was a call to CloudWatch); another chart is its own.
func TestMetricsRouteCoalescesIdenticalQuestions(t *testing.T) {
	var mu sync.Mutex
	fetched := map[string]int{}
	h := newAPI(httpapi.Deps{Now: func() time.Time { return clock }, Metrics: fakeMetrics(func(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
		mu.Lock()
		fetched[r.Targets[0].ID]++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		return &metricquery.Result{Region: r.Region, Window: r.Window, Resources: []cloudscope.ResourceMetrics{{Type: cloudscope.EC2, ID: r.Targets[0].ID,
			Metrics: []cloudscope.MetricSeries{}}}, Calls: 1}, nil
	})})
	var wg sync.WaitGroup
	for i := range 50 {
		id := "i-01234567"
		if i%10 == 9 {
			id = "i-89abcdef"
		}
		wg.Go(func() {
			if r := serve(t, h, "GET", "/metrics?resource_type=ec2&resource_ids="+id+"&region=us-east-1&hours=24"); r.status != 200 || !strings.Contains(string(r.body), id) {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	if fetched["i-01234567"] != 1 || fetched["i-89abcdef"] != 1 {
		t.Errorf("reads per chart: %v; want one each", fetched)
	}
}
