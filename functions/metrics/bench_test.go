package main

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

// BenchmarkColdStart: the metrics function's init time under aws-lambda-rie.
func BenchmarkColdStart(b *testing.B) {
	lambdatest.BenchmarkColdStart(b, "metrics", "../../events/metrics/get-metrics-rds.json", moto.Env())
}
