package main

// The artifact tier: the built plan bootstrap runs under the Lambda Runtime
// Interface Emulator with its events/ fixture. Without its plan bucket it does not
// start, and both the invocation's answer and the log name the setting.
// Its run against moto, with the shard and finalize bootstraps in a whole
// sharded scan, is functions/finalize's TestBootstrapsRunAShardedScan.

import (
	"os"
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

func TestBootstrapRefusesToStartWithoutThePlanBucket(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "plan"), []string{"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_PLAN_BUCKET=", "AWS_REGION=us-east-1"})
	event, err := os.ReadFile("../../events/plan/start-execution.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, event, "CLOUDSCOPE_PLAN_BUCKET is not set")
}
