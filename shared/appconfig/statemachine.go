package appconfig

import (
	"fmt"
	"regexp"
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
	// EnvShardFunction is the shard function (a name or ARN), which the
	// live view runs each shard on; required by the bottlenecks function.
	EnvShardFunction = "CLOUDSCOPE_SHARD_FUNCTION"
)

// functionName is a Lambda function's name, or its ARN (with a version or
// alias), as Invoke's FunctionName takes it.
var functionName = regexp.MustCompile(`^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9$_-]{1,128})?$`)

// stateMachine reads the plan bucket, the state machine and the shard
// function.
func stateMachine(c *Config, getenv func(string) string) error {
	c.PlanBucket = strings.TrimSpace(getenv(EnvPlanBucket))
	c.StateMachine = strings.TrimSpace(getenv(EnvStateMachine))
	if v := c.StateMachine; v != "" && !strings.HasPrefix(v, "arn:") {
		return fmt.Errorf("%s=%q: want a state machine ARN", EnvStateMachine, v)
	}
	c.ShardFunction = strings.TrimSpace(getenv(EnvShardFunction))
	if v := c.ShardFunction; v != "" && !functionName.MatchString(v) {
		return fmt.Errorf("%s=%.200q: want a Lambda function's name or ARN", EnvShardFunction, v)
	}
	return nil
}
