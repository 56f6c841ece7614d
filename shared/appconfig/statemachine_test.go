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
}
