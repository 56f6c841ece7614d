package appconfig

import (
	"strings"
	"testing"
)

func TestStateMachineSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:scan"
	c, err := From(env(map[string]string{EnvPlanBucket: " plans ", EnvStateMachine: arn}))
	if err != nil || c.PlanBucket != "plans" || c.StateMachine != arn {
		t.Errorf("set: %q %q %v", c.PlanBucket, c.StateMachine, err)
	}
	if _, err := From(env(map[string]string{EnvStateMachine: "scan"})); err == nil || !strings.Contains(err.Error(), EnvStateMachine) {
		t.Errorf("a name, not an ARN: %v", err)
	}
	for _, fn := range []string{"cloudscope-shard", "arn:aws:lambda:eu-west-1:123456789012:function:cloudscope-shard", "arn:aws-cn:lambda:cn-north-1:123456789012:function:shard:live"} {
		if c, err := From(env(map[string]string{EnvShardFunction: " " + fn + " "})); err != nil || c.ShardFunction != fn {
			t.Errorf("%s: %q %v", fn, c.ShardFunction, err)
		}
	}
	for _, fn := range []string{"cloudscope shard", "arn:aws:states:us-east-1:123456789012:stateMachine:scan", strings.Repeat("f", 65)} {
		if _, err := From(env(map[string]string{EnvShardFunction: fn})); err == nil || !strings.Contains(err.Error(), EnvShardFunction) {
			t.Errorf("%s: accepted (%v)", fn, err)
		}
	}
}
