package scan_test

// Issue 12: a scan survives AWS throttling completely. The demo account is
// scanned through a proxy that fails a share of the AWS requests; every
// scan must come out equal to the scan without faults.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/faultproxy"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// counter counts SDK calls (before the retry middleware) and attempts (after it).
type counter struct{ calls, attempts atomic.Int64 }

func (c *counter) options() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{
		func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					c.calls.Add(1)
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		},
		func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("countAttempts",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					c.attempts.Add(1)
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		},
	}
}

// outcome is what a scan found, without its times: the resources, the
// findings, what was undecided, the costs and the errors.
func outcome(s *cloudscope.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "regions %v\n", s.Regions)
	for _, r := range s.Resources {
		fmt.Fprintf(&b, "resource %s/%s/%s %s\n", r.Type, r.Region, r.ID, r.State)
	}
	for _, f := range s.Findings {
		fmt.Fprintf(&b, "finding %s %s\n", f.ID, f.Severity)
	}
	for _, u := range s.Insufficient {
		fmt.Fprintf(&b, "undecided %s %s\n", u.Rule, u.ResourceID)
	}
	if s.Costs != nil {
		fmt.Fprintf(&b, "costs %s %s\n", s.Costs.Currency, s.Costs.Total)
		for _, g := range s.Costs.Top {
			fmt.Fprintf(&b, "cost %s %s\n", g.Key, g.Amount)
		}
	}
	for _, e := range s.Errors {
		fmt.Fprintf(&b, "error %s/%s %s %s\n", e.Region, e.Service, e.Code, e.Message)
	}
	return b.String()
}

func TestMotoScanSurvivesFaults(t *testing.T) {
	scan.Moto().Reset(t)
	ctx := context.Background()
	if _, err := demo.SeedAll(ctx, awsconf.NewClients(scan.Moto().Config(t, "us-east-1", awsconf.Options{})), time.Now(), t.Logf); err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.Start(scan.Moto().URL, faultproxy.Options{Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	// One region keeps it quick: the emulator's GetMetricData takes seconds
	// over a region's whole history. Discovery, S3's global list and Cost
	// Explorer are read through the proxy all the same.
	regions := []string{"eu-west-1"}
	// The full policy's attempts, with its waits shrunk to milliseconds.
	newClients := func(c *counter, noRateLimit bool) *awsconf.Clients {
		cfg, err := sdkconfig.Load(ctx, awsconf.Options{Region: "us-east-1", EndpointURL: proxy.URL, Credentials: mototest.Credentials(),
			MaxAttempts: awsconf.DefaultMaxAttempts, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
			NoClientRateLimit: noRateLimit, APIOptions: c.options()})
		if err != nil {
			t.Fatal(err)
		}
		return awsconf.NewClients(cfg)
	}
	scanOnce := func(clients *awsconf.Clients, id string) (*cloudscope.Snapshot, time.Duration) {
		t.Helper()
		s := scan.New(scan.Deps{
			Discovery:  discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{RetryPause: 10 * time.Millisecond}),
			Metrics:    metrics.New(metrics.ClientsFrom(clients), metricquery.Options{NoPercentiles: true}),
			Costs:      costs.New(costs.ClientFrom(clients), nil, costquery.Options{}), // a new cache: Cost Explorer is asked every scan
			Thresholds: bottleneck.Defaults,
			RetryPause: 10 * time.Millisecond,
		})
		start := time.Now()
		snap, err := s.Evaluate(ctx, id, regions)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return snap, time.Since(start)
	}

	var clean counter
	reference, took := scanOnce(newClients(&clean, false), "no-faults")
	want := outcome(reference)
	if len(reference.Errors) != 0 || len(reference.Resources) < 5 || len(reference.Findings) < 2 || reference.Costs == nil {
		t.Fatalf("the scan without faults is not a reference:\n%s", want)
	}
	st := proxy.Stats()
	t.Logf("no faults: %d requests, %d calls, %s a scan", st.Requests, clean.calls.Load(), took.Round(time.Millisecond))

	for _, tc := range []struct {
		kind     faultproxy.Kind
		fraction float64
		scans    int
		// The adaptive rate limiter takes every throttle as a sign to slow
		// down, to half a request a second per client, and throttles here
		// come at random whatever the rate: ten scans with it would take
		// two minutes. Two scans show its cost; ten show the retries.
		noRateLimit bool
	}{
		{faultproxy.Throttle, 0.3, 10, true},
		{faultproxy.Unavailable, 0.3, 10, false},
		{faultproxy.Reset, 0.15, 10, false},
		{faultproxy.Throttle, 0.3, 2, false},
	} {
		if err := proxy.SetFault(tc.kind, tc.fraction); err != nil {
			t.Fatal(err)
		}
		proxy.ResetStats()
		var c counter
		clients := newClients(&c, tc.noRateLimit) // one client set for the scans, as one warm function keeps
		var total, longest time.Duration
		for i := range tc.scans {
			snap, took := scanOnce(clients, fmt.Sprintf("%s-%d", tc.kind, i))
			total, longest = total+took, max(longest, took)
			if got := outcome(snap); got != want {
				t.Errorf("%s, scan %d differs from the scan without faults:\n%s", tc.kind, i, diff(want, got))
			}
		}
		st := proxy.Stats()
		limiter := "adaptive rate limiter"
		if tc.noRateLimit {
			limiter = "no client-side rate limit"
		}
		t.Logf("%s %.0f%%, %d scans, %s: %d requests, %d faults, %d calls, %d SDK retries; %s a scan on average, %s at most",
			tc.kind, tc.fraction*100, tc.scans, limiter, st.Requests, st.Faulted(), c.calls.Load(), c.attempts.Load()-c.calls.Load(),
			(total / time.Duration(tc.scans)).Round(time.Millisecond), longest.Round(time.Millisecond))
		if st.Faulted() < st.Requests/10 {
			t.Errorf("%s: only %d of %d requests faulted: the scans were not tested", tc.kind, st.Faulted(), st.Requests)
		}
	}
	if err := proxy.SetFault("", 0); err != nil {
		t.Fatal(err)
	}
}

// diff lists the lines only one of a and b has.
func diff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range la {
		if !slices.Contains(lb, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range lb {
		if !slices.Contains(la, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
