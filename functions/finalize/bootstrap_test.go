package main

// The artifact tier: the built finalize bootstrap runs under the Lambda Runtime
// Interface Emulator with its events/ fixture. Without its topic it does not
// start, and both the invocation's answer and the log name the setting.
// (Its runs against moto with the shard engine come with the engine.)

import (
	"os"
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

func TestBootstrapRefusesToStartWithoutTheTopic(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "finalize"), []string{"CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_TOPIC_ARN=", "AWS_REGION=us-east-1"})
	event, err := os.ReadFile("../../events/finalize/finalize.json")
	if err != nil {
		t.Fatal(err)
	}
	fn.InitFails(t, event, "CLOUDSCOPE_TOPIC_ARN is not set")
}
