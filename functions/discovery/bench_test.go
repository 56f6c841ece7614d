package main

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

// BenchmarkColdStart: the discovery function's init time under aws-lambda-rie.
func BenchmarkColdStart(b *testing.B) {
	lambdatest.BenchmarkColdStart(b, "discovery", "../../events/discovery/get-regions.json", append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope"))
}
