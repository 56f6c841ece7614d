package appconfig

import (
	"fmt"
	"strings"
)

// The settings of every scan on Step Functions:
// plan -> Distributed Map of shards -> finalize (EnvAccounts and
// EnvMemberRole, which the local pool reads too, are beside the others).
const (
	// EnvPlanBucket is the bucket where the plan state writes the shards
	// for the Distributed Map to read; required by the plan function.
	EnvPlanBucket = "CLOUDSCOPE_PLAN_BUCKET"
	// EnvStateMachine is the scan's state machine, which POST /scans
	// starts; required by the bottlenecks function.
	EnvStateMachine = "CLOUDSCOPE_STATE_MACHINE"
)

// stateMachine reads the plan bucket and the state machine.
func stateMachine(c *Config, getenv func(string) string) error {
	c.PlanBucket = strings.TrimSpace(getenv(EnvPlanBucket))
	c.StateMachine = strings.TrimSpace(getenv(EnvStateMachine))
	if v := c.StateMachine; v != "" && !strings.HasPrefix(v, "arn:") {
		return fmt.Errorf("%s=%q: want a state machine ARN", EnvStateMachine, v)
	}
	return nil
}
