package appconfig

import (
	"slices"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/s3items"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Manifest is one deployed Lambda function, in one place: the folder of
// functions/ it is built from, the API routes it serves, the settings it
// reads (Required and Optional, see Function), what its role may do, and its
// memory, timeout and reserved concurrency. The CDK stack ranges over
// Manifests; the function's main.go is one call to shared/lambdaapp with its
// name and its builder (shared/services), which checks the settings here.
type Manifest struct {
	Name string
	// Routes are the HTTP API routes behind the function; none for the
	// digest and the scan's states, which events invoke.
	Routes []Route
	Function
	Grants Grants
	// MemoryMB and TimeoutSeconds size the function; Concurrency is its
	// reserved concurrency (the shard function's is the map's
	// MaxConcurrency, a deployment setting).
	MemoryMB, TimeoutSeconds, Concurrency int
}

// Route is one API route: a method and a path in the OpenAPI document's
// form (/snapshots/{id}).
type Route struct{ Method, Path string }

// Grants are what one function's role may do: read-only account actions
// (which take no resource), actions on the table, on the topic and its key,
// on the plan bucket, and the state machine it starts.
// Every list comes from the package whose code makes the calls.
type Grants struct {
	Account  []string
	Table    []string
	Topic    []string
	TopicKey []string
	// AssumesMemberRole: the function reads member accounts through the
	// member role (sts:AssumeRole on that role's name in any account).
	AssumesMemberRole bool
	// PlanBucket are the actions on the plan bucket's objects.
	PlanBucket []string
	// StartsScanMachine: POST /scans starts the scan's state machine
	// (sfnstart.IAMActions on it).
	StartsScanMachine bool
}

// Manifests are the deployed functions, one per folder of functions/ (a
// test holds them equal), the five every deployment has first. Adding a
// route is adding it to its function's Routes (and to the OpenAPI
// document); adding a grant, to its Grants.
//
// Settings:
//   - discovery: the table, where GET /resources reads the newest scan.
//   - metrics: nothing required; it only reads AWS.
//   - costs: the table, where Cost Explorer answers are cached (each miss is
//     a billed request; a cache in memory is lost with every instance).
//   - bottlenecks: the table (snapshots, scan status) and the scan's state
//     machine, which POST /scans starts.
//   - digest: the table, where the snapshots, ledger and anomalies are, and
//     the topic the weekly digest goes to.
//   - plan, shard, finalize: every scan's states (one account, the setting
//     self, or many), deployed always. Each needs the table (scan status,
//     the shards' parts); plan also the bucket it writes the shards to,
//     finalize the topic.
//
// Sizes: the digest reads a few snapshots' findings and one cost query.
// GET /resources reads the stored inventory: a first page takes a few
// milliseconds, but a filter or sort across 1,000,000 resources decodes them
// all (about 10 s of one core and a 46 MiB heap, BenchmarkStoredInventory):
// 1,769 MB buys a whole vCPU, and 29 s is API Gateway's own limit. Costs
// reserves few instances: every miss is a billed Cost Explorer request; the
// digest one. The scan: a plan is a few
// calls per account; a shard holds one account-region (goal: a peak heap
// under 256 MB, issue 14), up to 15 minutes; finalize merges every part's
// summary and writes the snapshot (goal: under 2 minutes and 1 GB), with a
// whole vCPU. Reserved: one plan and one finalize at a time; the shards, as
// many as the map's MaxConcurrency (cloudscope:shardConcurrency).
//
// Grants: the metrics route checks its region against the enabled ones
// first. The live view of /bottlenecks evaluates the account now, as a scan
// does; snapshots it only reads; POST /scans starts the state machine and
// records the scan as queued, GET /scans/{id} reads how it goes. The plan lists the
// accounts and each one's enabled regions (in members through their role),
// holds the scan's lease, records the shard total, stores its own part (the
// skipped accounts) and writes the plan; a shard reads one account-region
// through the member role (in the management account with its own), prices
// its waste findings through the price cache and stores its part; finalize
// reads the costs once (by linked account; by service for one account),
// reads the parts, the latest
// snapshot and the cost cache, makes the snapshot and notifies.
var Manifests = []Manifest{
	{
		Name: "discovery", MemoryMB: 1769, TimeoutSeconds: 29, Concurrency: 10,
		Routes: []Route{{"GET", "/regions"}, {"GET", "/resources"}, {"GET", "/openapi.yaml"}},
		// The accounts setting names, with the account, whose stored scans it reads (snapstore.Identity).
		Function: Function{Required: []string{EnvTable}, Optional: []string{EnvRetention, EnvConcurrency, EnvLiveReuse, EnvAccounts}},
		Grants:   Grants{Account: Union(discovery.IAMActions), Table: Union(dynamostore.SnapshotReadIAMActions)},
	},
	{
		Name: "metrics", MemoryMB: 512, TimeoutSeconds: 30, Concurrency: 10,
		Routes:   []Route{{"GET", "/metrics"}},
		Function: Function{Optional: []string{EnvPercentiles, EnvAccounts, EnvMemberRole}},
		// With a scan of many accounts it reads a member's metrics through the
		// member role, as a shard does (knowing its own account first).
		Grants: Grants{Account: Union(metrics.IAMActions, discovery.RegionsIAMActions, []string{"sts:GetCallerIdentity"}), AssumesMemberRole: true},
	},
	{
		Name: "costs", MemoryMB: 256, TimeoutSeconds: 30, Concurrency: 5,
		Routes: []Route{{"GET", "/costs"}, {"GET", "/costs/forecast"}, {"GET", "/anomalies"}},
		// With a scan of many accounts it reads the organization's costs, in
		// the management account (see infra's management stack).
		Function: Function{Required: []string{EnvTable}, Optional: []string{EnvCostTTL, EnvAccounts}},
		Grants:   Grants{Account: Union(costs.IAMActions), Table: Union(dynamostore.IAMActions, dynamostore.KVIAMActions)},
	},
	{
		Name: "bottlenecks", MemoryMB: 512, TimeoutSeconds: 30, Concurrency: 5,
		Routes: []Route{
			{"GET", "/bottlenecks"}, {"GET", "/snapshots"}, {"GET", "/snapshots/{id}"}, {"GET", "/snapshots/{id}/diff"},
			{"POST", "/scans"}, {"GET", "/scans/{id}"}, {"GET", "/savings"},
		},
		Function: Function{Required: []string{EnvTable, EnvStateMachine}, Optional: []string{EnvRetention, EnvThresholds, EnvConcurrency, EnvPercentiles, EnvCostTTL, EnvRegionsAtOnce, EnvAccounts}},
		Grants: Grants{Account: Union(discovery.IAMActions, metrics.IAMActions, costs.ReportIAMActions, pricing.IAMActions, instancetypes.IAMActions),
			Table:             Union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.KVIAMActions),
			StartsScanMachine: true},
	},
	{
		Name: "digest", MemoryMB: 512, TimeoutSeconds: 300, Concurrency: 1,
		Function: Function{Required: []string{EnvTable, EnvTopic}, Optional: []string{EnvRetention, EnvCostTTL, EnvChatTopic, EnvDashboardURL, EnvAccounts}},
		Grants: Grants{Account: Union(costs.ReportIAMActions),
			Table: Union(dynamostore.IAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.KVIAMActions),
			Topic: Union(snsnotify.IAMActions), TopicKey: Union(snsnotify.KMSActions)},
	},
	{
		Name: "plan", MemoryMB: 512, TimeoutSeconds: 300, Concurrency: 1,
		Function: Function{Required: []string{EnvTable, EnvPlanBucket}, Optional: []string{EnvAccounts, EnvMemberRole, EnvRetention, EnvRegions, EnvSkipRegions}},
		Grants: Grants{Account: Union(accounts.OrganizationsIAMActions, discovery.RegionsIAMActions), AssumesMemberRole: true,
			Table:      Union(dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.PartIAMActions, dynamostore.ShardProgressIAMActions),
			PlanBucket: Union(s3items.IAMActions)},
	},
	{
		Name: "shard", MemoryMB: 512, TimeoutSeconds: 900,
		Function: Function{Required: []string{EnvTable}, Optional: []string{EnvAccounts, EnvMemberRole, EnvRetention, EnvThresholds, EnvConcurrency, EnvPercentiles,
			EnvRegions, EnvSkipRegions}},
		Grants: Grants{Account: Union(discovery.IAMActions, metrics.IAMActions, pricing.IAMActions, instancetypes.IAMActions), AssumesMemberRole: true,
			Table: Union(dynamostore.PartIAMActions, dynamostore.ShardProgressIAMActions, dynamostore.PriceCacheIAMActions)},
	},
	{
		Name: "finalize", MemoryMB: 1769, TimeoutSeconds: 900, Concurrency: 1,
		Function: Function{Required: []string{EnvTable, EnvTopic}, Optional: []string{EnvAccounts, EnvRetention, EnvThresholds, EnvCostTTL, EnvChatTopic, EnvDashboardURL, EnvAnomalyMinUSD, EnvAnomalyMinPercent}},
		// The finalize's anomalies price what changed in the inventory that day.
		Grants: Grants{Account: Union(costs.ReportIAMActions, pricing.IAMActions),
			Table: Union(dynamostore.IAMActions, dynamostore.FinalizeIAMActions, dynamostore.SnapshotIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.KVIAMActions, dynamostore.PriceCacheIAMActions),
			Topic: Union(snsnotify.IAMActions), TopicKey: Union(snsnotify.KMSActions)},
	},
}

// ManifestOf is the manifest of function name (a folder of functions/).
func ManifestOf(name string) (Manifest, bool) {
	i := slices.IndexFunc(Manifests, func(m Manifest) bool { return m.Name == name })
	if i < 0 {
		return Manifest{}, false
	}
	return Manifests[i], true
}

// Union is the sorted union of action lists.
func Union(lists ...[]string) []string {
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
