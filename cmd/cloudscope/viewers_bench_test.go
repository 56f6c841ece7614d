package main

// Fifty people on the dashboard at once (issue 13's figure): after the
// first scan, 1,200 reads over the page's routes, 50 at a time, against
// `cloudscope serve` on the seeded emulator. Every read must answer 200,
// none may call AWS, and the latencies are reported.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

func BenchmarkDemoViewers(b *testing.B) {
	emulator.Reset(b)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	defer func() {
		cancel()
		<-served
	}()
	var aws atomic.Int64
	clients, err := demo.Clients(ctx, emulator.URL, awsstub.Observe(func(awsstub.Call) { aws.Add(1) }))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := demo.SeedAll(ctx, clients, time.Now(), b.Logf); err != nil {
		b.Fatal(err)
	}
	conf, err := appconfig.FromEnv()
	if err != nil {
		b.Fatal(err)
	}
	conf.Metrics.NoPercentiles = true
	conf.PricesOff = true // moto has no Price List
	env := &environment{conf: conf, log: slog.New(slog.NewTextHandler(io.Discard, nil)), stdout: os.Stderr, stderr: os.Stderr}
	urls := make(chan string, 1)
	go func() { served <- listenAndServe(ctx, env, "127.0.0.1:0", clients, nil, func(u string) { urls <- u }) }()
	base := <-urls
	firstScan(b, base)

	routes := []string{"/resources", "/resources?regions=eu-west-1&types=ec2,rds", "/resources?search=web&sort=-name",
		"/bottlenecks", "/snapshots?limit=50", "/costs", "/regions", "/bottlenecks?severity=critical"}
	for _, r := range routes { // the page's first visit warms the region list
		if resp, err := http.Get(base + r); err == nil {
			resp.Body.Close()
		}
	}
	before := aws.Load()
	const viewers, reads = 50, 1200
	latencies := make([]time.Duration, reads)
	var failed atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range viewers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= reads {
					return
				}
				t0 := time.Now()
				resp, err := http.Get(base + routes[i%len(routes)])
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				latencies[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	calls := aws.Load() - before
	slices.Sort(latencies)
	p := func(q float64) time.Duration { return latencies[int(q*float64(reads-1))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latencies[reads-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(calls), "aws-calls")
	b.Logf("%d reads by %d viewers in %s: p50 %s, p99 %s, max %s; %d failed; %d AWS calls", reads, viewers, wall.Round(time.Millisecond),
		p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), latencies[reads-1].Round(time.Millisecond), failed.Load(), calls)
	if failed.Load() > 0 || calls > 0 || latencies[reads-1] > 5*time.Second {
		b.Errorf("%d reads failed, %d AWS calls, slowest %s: want none, none, and every read within 5 s", failed.Load(), calls, latencies[reads-1])
	}
}
