package main

// The artifact tier: the built shard bootstrap runs under the Lambda Runtime
// Interface Emulator with its events/ fixture. Without its table it does not
// start, and both the invocation's answer and the log name the setting.
// Its run against moto, with the plan and finalize bootstraps in a whole
// sharded scan, is functions/finalize's TestBootstrapsRunAShardedScan.

import (
	"os"
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

func TestBootstrapRefusesToStartWithoutTheTable(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "shard"), []string{"CLOUDSCOPE_TABLE=", "AWS_REGION=us-east-1"})
	event, err := os.ReadFile("../../events/shard/map-item.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, event, "CLOUDSCOPE_TABLE is not set")
}
