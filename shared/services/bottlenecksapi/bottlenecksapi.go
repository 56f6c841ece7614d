// Package bottlenecksapi is the bottlenecks function, behind GET
// /bottlenecks, the snapshots, POST /scans, GET /scans/{id} and GET
// /savings: its manifest and its builder. Its POST /scans starts a scan in
// the background by starting the scan's state machine (every scan, of one
// account or many, runs on it), and its live view (GET
// /bottlenecks?source=live) plans the account's regions here and has the
// shard function run each one, so that this function links no discovery,
// metrics, costs or prices of its own.
package bottlenecksapi

import (
	"context"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/sfnclient"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/regions"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services/stores"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
	"github.com/cloudscope/cloudscope/shared/shardinvoke"
)

// Manifest is the bottlenecks function's. Settings: the table (snapshots,
// scan status), the scan's state machine, which POST /scans starts, and the
// shard function, which the live view runs each region on. Grants: the live
// view lists the account's regions and invokes the shard function;
// snapshots it only reads; POST /scans starts the state machine and
// records the scan as queued, GET /scans/{id} reads how it goes.
var Manifest = appconfig.Manifest{
	Name: "bottlenecks", MemoryMB: 512, TimeoutSeconds: 30, Concurrency: 5,
	Routes: []appconfig.Route{
		appconfig.Get("/bottlenecks"), appconfig.Get("/snapshots"), appconfig.Get("/snapshots/{id}"), appconfig.Get("/snapshots/{id}/diff"),
		appconfig.Post("/scans"), appconfig.Get("/scans/{id}"), appconfig.Get("/savings"),
	},
	Function: appconfig.Function{Required: []string{appconfig.EnvTable, appconfig.EnvStateMachine, appconfig.EnvShardFunction},
		Optional: []string{appconfig.EnvRetention, appconfig.EnvRegionsAtOnce, appconfig.EnvAccounts}},
	Grants: appconfig.Grants{Account: regions.IAMActions,
		Table:             appconfig.Union(dynamostore.IAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.KVIAMActions),
		StartsScanMachine: true, InvokesShards: true},
}

// API serves GET /bottlenecks, the snapshots, POST /scans (which starts
// the scan's state machine), GET /scans/{id} and GET /savings.
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	store, err := stores.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return httpapi.Deps{}, err
	}
	enabled := regions.Of(clients)
	// The live view plans the account's enabled regions (or those it
	// names) here, as it does in one process; the shard function lists
	// their resources.
	live := scan.New(scan.Deps{Discovery: scan.RegionsOnly(enabled), Store: store, Account: stores.CallerAccount(clients), RegionsAtOnce: conf.RegionsAtOnce,
		Shards: shardinvoke.New(lambdaclient.In(clients, clients.DefaultRegion()), conf.ShardFunction)})
	return httpapi.Deps{Bottlenecks: &scan.Service{Scanner: live, Store: store, Start: StartStateMachine(clients, conf.StateMachine)},
		Snapshots: SnapshotReads(store), Savings: stores.Savings(conf, clients, nil), Regions: enabled}, nil
}

// SnapshotReads is store's reads of a snapshot in parts, for the diff by
// merge, or nil when it has none.
func SnapshotReads(store stores.StateStore) httpapi.SnapshotReads {
	if r, ok := store.(httpapi.SnapshotReads); ok {
		return r
	}
	return nil
}

// StartStateMachine starts scans as executions of the scan's state
// machine, so that POST /scans answers at once.
func StartStateMachine(clients *awsconf.Clients, stateMachine string) func(context.Context, string) error {
	return sfnstart.New(sfnclient.Home(clients), stateMachine).Start
}
