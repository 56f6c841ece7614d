package main

import (
	"slices"

	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/credcheck"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
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
	"bottlenecks": {Account: union(discovery.IAMActions, metrics.IAMActions, costs.ReportIAMActions, pricing.IAMActions),
		Table: union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions), InvokesScan: true},
	"scan": {Account: union(discovery.IAMActions, metrics.IAMActions, costs.ReportIAMActions, pricing.IAMActions),
		Table: union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions), Topic: union(snsnotify.IAMActions), TopicKey: union(snsnotify.KMSActions),
		DeadLetters: []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}},
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
			"Action":   union(discovery.IAMActions, metrics.IAMActions, costs.IAMActions, pricing.IAMActions, credcheck.IAMActions),
			"Resource": "*",
		}},
	}
}
