package main

import (
	"slices"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/credcheck"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/s3items"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Grants are what one function may do: read-only account actions (which
// take no resource), actions on the table, on the topic, and on the scan
// function. Every list comes from the package whose code makes the calls.
type Grants struct {
	Account     []string
	Table       []string
	Topic       []string
	TopicKey    []string
	InvokesScan bool
	// DeadLetters are what sending a failed scan to the dead-letter queue needs.
	DeadLetters []string
	// AssumesMemberRole: the function reads member accounts through the
	// member role (sts:AssumeRole on that role's name in any account).
	AssumesMemberRole bool
	// PlanBucket are the actions on the plan bucket's objects.
	PlanBucket []string
	// StartsScanMachine: with accounts other than self, POST /scans starts
	// the state machine (sfnstart.IAMActions on it).
	StartsScanMachine bool
}

// assumeRoleActions is what reading a member through its role calls.
var assumeRoleActions = accounts.AssumeRoleIAMActions

// memberActions are the reads a shard makes inside a member account.
// The instance type catalogue is read with the scan's own role today; a
// member grants it too, so that a shard may read it where it discovers.
func memberActions() []string {
	return union(discovery.IAMActions, metrics.IAMActions, instancetypes.IAMActions)
}

func union(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, a := range l {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// GrantsOf is each function's grants, from the packages it uses.
var GrantsOf = map[string]Grants{
	"discovery": {Account: union(discovery.IAMActions), Table: union(dynamostore.SnapshotReadIAMActions)},
	// The metrics route checks its region against the enabled ones first.
	"metrics": {Account: union(metrics.IAMActions, discovery.RegionsIAMActions)},
	"costs":   {Account: union(costs.IAMActions), Table: union(dynamostore.IAMActions)},
	// The live view evaluates the account now, as a scan does; snapshots it
	// only reads; POST /scans invokes the scan function and records it as
	// queued, GET /scans/{id} reads how it goes.
	"bottlenecks": {Account: union(discovery.IAMActions, metrics.IAMActions, costs.ReportIAMActions, pricing.IAMActions, instancetypes.IAMActions),
		Table: union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions), InvokesScan: true},
	"scan": {Account: union(discovery.IAMActions, metrics.IAMActions, costs.ReportIAMActions, pricing.IAMActions, instancetypes.IAMActions),
		Table: union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions), Topic: union(snsnotify.IAMActions), TopicKey: union(snsnotify.KMSActions),
		DeadLetters: []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}},
	// The sharded scan's states. plan lists the accounts and each one's
	// enabled regions (in members through their role), records the shard
	// total and writes the plan; shard reads one account-region through the
	// member role (in the management account with its own) and stores its
	// part; finalize reads the costs once, by linked account, makes the
	// snapshot of the parts and notifies.
	// The plan holds the scan's lease and stores its own part (the skipped
	// accounts); a shard prices its waste findings through the price cache;
	// the finalize reads the parts, the latest snapshot and the cost cache.
	"plan": {Account: union(accounts.OrganizationsIAMActions, discovery.RegionsIAMActions), AssumesMemberRole: true,
		Table:      union(dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.PartIAMActions, dynamostore.ShardProgressIAMActions),
		PlanBucket: union(s3items.IAMActions)},
	"shard": {Account: union(discovery.IAMActions, metrics.IAMActions, pricing.IAMActions, instancetypes.IAMActions), AssumesMemberRole: true,
		Table: union(dynamostore.PartIAMActions, dynamostore.ShardProgressIAMActions, dynamostore.PriceCacheIAMActions)},
	"finalize": {Account: union(costs.ReportIAMActions),
		Table: union(dynamostore.IAMActions, dynamostore.FinalizeIAMActions, dynamostore.SnapshotIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions),
		Topic: union(snsnotify.IAMActions), TopicKey: union(snsnotify.KMSActions)},
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
			"Action":   union(discovery.IAMActions, metrics.IAMActions, costs.IAMActions, pricing.IAMActions, instancetypes.IAMActions, credcheck.IAMActions),
			"Resource": "*",
		}},
	}
}
