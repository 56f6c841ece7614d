package main

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

// BenchmarkColdStart: the scan function's init time under aws-lambda-rie.
func BenchmarkColdStart(b *testing.B) {
	lambdatest.BenchmarkColdStart(b, "scan", "../../events/scan/manual-scan.json", moto.Env())
}
