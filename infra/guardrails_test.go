package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// TestTheGuardRails holds the template to each guard rail of a scan of
// many accounts (issue 23, item 5).
func TestTheGuardRails(t *testing.T) {
	t.Run("assume role only inside the organization", func(t *testing.T) {
		var grants int
		for _, pol := range ofType("AWS::IAM::Policy") {
			for _, st := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				if !slices.Contains(strs(s["Action"]), "sts:AssumeRole") || !strings.Contains(fmt.Sprint(s["Resource"]), ":role/"+DefaultMemberRole) {
					continue
				}
				grants++
				if fmt.Sprint(s["Condition"]) != "map[StringEquals:map[aws:ResourceOrgID:"+testOrgID+"]]" {
					t.Errorf("%v may assume the member role in any account: condition %v", props(pol)["Roles"], s["Condition"])
				}
			}
		}
		if grants != 3 { // plan, shard and metrics
			t.Errorf("%d grants of the member role, want plan's, shard's and metrics'", grants)
		}
	})
	t.Run("the lease as long as the state machine may run", func(t *testing.T) {
		def, _ := machineDefinition(t)
		if def["TimeoutSeconds"] != scan.StateMachineLeaseDuration.Seconds() {
			t.Errorf("state machine timeout %vs, lease %vs: a second scan could start beside a slow first", def["TimeoutSeconds"], scan.StateMachineLeaseDuration.Seconds())
		}
	})
	t.Run("the Lambda retry list complete", func(t *testing.T) {
		def, _ := machineDefinition(t)
		states := def["States"].(map[string]any)
		inner := stateOf(t, states, stateShards)["ItemProcessor"].(map[string]any)["States"].(map[string]any)
		for name, st := range map[string]map[string]any{statePlan: stateOf(t, states, statePlan), stateShard: stateOf(t, inner, stateShard),
			stateFinalize: stateOf(t, states, stateFinalize), stateFinalizeAfterMap: stateOf(t, states, stateFinalizeAfterMap)} {
			retry := fmt.Sprint(st["Retry"])
			for _, e := range []string{"Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException",
				"Lambda.SdkClientException", "Lambda.TooManyRequestsException"} {
				if !strings.Contains(retry, e) {
					t.Errorf("%s does not retry %s: %s", name, e, retry)
				}
			}
		}
	})
	t.Run("alarms", func(t *testing.T) {
		machine := machineID(t)
		alarmed := func(match func(p map[string]any) bool) bool {
			for _, a := range ofType("AWS::CloudWatch::Alarm") {
				p := props(a)
				if match(p) && strings.Contains(fmt.Sprint(p["AlarmActions"]), "AlertsFindings") {
					return true
				}
			}
			return false
		}
		if !alarmed(func(p map[string]any) bool {
			return p["MetricName"] == "ExecutionsAborted" && strings.Contains(fmt.Sprint(p["Dimensions"]), machine)
		}) {
			t.Error("no alarm on aborted executions")
		}
		if !alarmed(func(p map[string]any) bool {
			m := fmt.Sprint(p["Metrics"])
			return strings.Contains(m, "ExecutionsFailed") && strings.Contains(m, "ExecutionsTimedOut") && strings.Contains(m, machine) &&
				strings.Contains(m, "/"+stateShards)
		}) {
			t.Error("no alarm on the map's failed shards (its children's metrics, within the tolerance too)")
		}
		for _, fn := range apiFunctions {
			id := logicalID(t, stack, "Functions", title(fn))
			if !alarmed(func(p map[string]any) bool {
				return p["MetricName"] == "Errors" && p["Namespace"] == "AWS/Lambda" && strings.Contains(fmt.Sprint(p["Dimensions"]), id)
			}) {
				t.Errorf("no alarm on the %s function's errors", fn)
			}
		}
	})
	t.Run("only admins start scans from the dashboard", func(t *testing.T) {
		pool := logicalID(t, stack, "Dashboard", "Users")
		var found bool
		for _, g := range ofType("AWS::Cognito::UserPoolGroup") {
			if p := props(g); p["GroupName"] == httpapi.AdminGroup && fmt.Sprint(p["UserPoolId"]) == "map[Ref:"+pool+"]" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s group in the dashboard's user pool", httpapi.AdminGroup)
		}
		// The dashboard's API takes the pool's tokens on POST /scans too:
		// the route reads the group from the token (httpapi's test).
		for _, r := range ofType("AWS::ApiGatewayV2::Route") {
			if p := props(r); p["RouteKey"] == "POST /scans" && p["AuthorizationType"] != "AWS_IAM" && p["AuthorizationType"] != "JWT" {
				t.Errorf("POST /scans authorized by %v", p["AuthorizationType"])
			}
		}
	})
	t.Run("role sessions of one hour", func(t *testing.T) {
		_, tmpl := memberStackSet(t)
		role := tmpl["Resources"].(map[string]any)["ReaderRole"].(map[string]any)["Properties"].(map[string]any)
		if role["MaxSessionDuration"] != 3600.0 {
			t.Errorf("the member role's sessions last %v s, want one hour (the scan asks for one)", role["MaxSessionDuration"])
		}
	})
}
