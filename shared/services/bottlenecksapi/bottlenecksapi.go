// Package bottlenecksapi is the bottlenecks function, behind GET
// /bottlenecks, the snapshots, POST /scans, GET /scans/{id} and GET
// /savings: its manifest and its builder. Its POST /scans starts a scan in
// the background by starting the scan's state machine (every scan, of one
// account or many, runs on it), so that only this function links the Step
// Functions client.
package bottlenecksapi

import (
	"context"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sfnclient"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services/costservice"
	"github.com/cloudscope/cloudscope/shared/services/scanner"
	"github.com/cloudscope/cloudscope/shared/services/stores"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
)

// Manifest is the bottlenecks function's. Settings: the table (snapshots,
// scan status) and the scan's state machine, which POST /scans starts.
// Grants: the live view of /bottlenecks evaluates the account now, as a
// scan does; snapshots it only reads; POST /scans starts the state machine
// and records the scan as queued, GET /scans/{id} reads how it goes.
var Manifest = appconfig.Manifest{
	Name: "bottlenecks", MemoryMB: 512, TimeoutSeconds: 30, Concurrency: 5,
	Routes: []appconfig.Route{
		appconfig.Get("/bottlenecks"), appconfig.Get("/snapshots"), appconfig.Get("/snapshots/{id}"), appconfig.Get("/snapshots/{id}/diff"),
		appconfig.Post("/scans"), appconfig.Get("/scans/{id}"), appconfig.Get("/savings"),
	},
	Function: appconfig.Function{Required: []string{appconfig.EnvTable, appconfig.EnvStateMachine}, Optional: []string{appconfig.EnvRetention, appconfig.EnvThresholds, appconfig.EnvConcurrency, appconfig.EnvPercentiles, appconfig.EnvCostTTL, appconfig.EnvRegionsAtOnce, appconfig.EnvAccounts}},
	Grants: appconfig.Grants{Account: appconfig.Union(discovery.IAMActions, metricquery.IAMActions, costs.ReportIAMActions, pricing.IAMActions, instancetypes.IAMActions),
		Table:             appconfig.Union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.KVIAMActions),
		StartsScanMachine: true},
}

// API serves GET /bottlenecks, the snapshots, POST /scans (which starts
// the scan's state machine), GET /scans/{id} and GET /savings.
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	store, err := stores.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return httpapi.Deps{}, err
	}
	start := func(*scan.Scanner) func(context.Context, string) error {
		return StartStateMachine(clients, conf.StateMachine)
	}
	return httpapi.Deps{Bottlenecks: scanner.Service(conf, clients, store, costservice.Costs(conf, clients, nil), nil, start), Snapshots: SnapshotReads(store),
		Savings: stores.Savings(conf, clients, nil), Regions: discovery.New(discovery.ClientsFrom(clients), conf.Discovery)}, nil
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
