package main

import (
	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/credcheck"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/pricing"
)

// assumeRoleActions is what reading a member through its role calls.
var assumeRoleActions = accounts.AssumeRoleIAMActions

// memberActions are the reads a shard makes inside a member account.
// The instance type catalogue is read with the scan's own role today; a
// member grants it too, so that a shard may read it where it discovers.
func memberActions() []string {
	return appconfig.Union(discovery.IAMActions, metricquery.IAMActions, instancetypes.IAMActions)
}

// ReadOnlyPolicy is the IAM policy a person needs to run `cloudscope serve`,
// `resources`, `metrics` and `costs` against their account: every read the
// capabilities make and the CLI's credentials check, nothing else. (The
// functions' roles lack the check: they never make it.)
func ReadOnlyPolicy() map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":      "CloudscopeReadOnly",
			"Effect":   "Allow",
			"Action":   appconfig.Union(discovery.IAMActions, metricquery.IAMActions, costs.IAMActions, pricing.IAMActions, instancetypes.IAMActions, credcheck.IAMActions),
			"Resource": "*",
		}},
	}
}
