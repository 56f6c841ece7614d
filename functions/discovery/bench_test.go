package main

import (
	"os"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/lambdatest"
)

// BenchmarkColdStart starts the discovery bootstrap under aws-lambda-rie and
// invokes GET /regions: it reports the function's init time (the emulator's
// INIT REPORT) and the time from launching the emulator to the first reply.
func BenchmarkColdStart(b *testing.B) {
	bootstrap := lambdatest.Bootstrap(b, "discovery")
	event, err := os.ReadFile("../../events/discovery/get-regions.json")
	if err != nil {
		b.Fatal(err)
	}
	var initTotal, readyTotal time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		fn := lambdatest.Start(b, bootstrap, moto.Env())
		fn.Invoke(b, event)
		readyTotal += time.Since(start)
		d, err := fn.InitDuration()
		if err != nil {
			b.Fatal(err)
		}
		initTotal += d
		n++
		fn.Stop()
	}
	b.ReportMetric(float64(initTotal.Microseconds())/float64(n)/1000, "init-ms")
	b.ReportMetric(float64(readyTotal.Microseconds())/float64(n)/1000, "launch-to-first-reply-ms")
}
