package main

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

// BenchmarkColdStart: the bottlenecks function's init time under aws-lambda-rie.
func BenchmarkColdStart(b *testing.B) {
	lambdatest.BenchmarkColdStart(b, "bottlenecks", "../../events/bottlenecks/get-bottlenecks-bad-severity.json",
		append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_STATE_MACHINE="+scanMachine, "CLOUDSCOPE_SHARD_FUNCTION=cloudscope-shard"))
}
