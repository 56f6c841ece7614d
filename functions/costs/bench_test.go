package main

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

// BenchmarkColdStart: the costs function's init time under aws-lambda-rie.
func BenchmarkColdStart(b *testing.B) {
	lambdatest.BenchmarkColdStart(b, "costs", "../../events/costs/get-costs-bad-group.json", append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope"))
}
