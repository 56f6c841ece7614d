// Package bottlenecksapi builds the bottlenecks function's services: the
// scan routes, whose POST /scans starts a scan in the background by
// starting the scan's state machine (every scan, of one account or many,
// runs on it). It is apart from shared/services so that no other function
// links the Step Functions client.
package bottlenecksapi

import (
	"context"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sfnclient"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
)

// API serves GET /bottlenecks, the snapshots, POST /scans (which starts
// the scan's state machine), GET /scans/{id} and GET /savings.
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	store, err := services.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return httpapi.Deps{}, err
	}
	start := func(*scan.Scanner) func(context.Context, string) error {
		return StartStateMachine(clients, conf.StateMachine)
	}
	return httpapi.Deps{Bottlenecks: services.Bottlenecks(conf, clients, store, services.Costs(conf, clients, nil), nil, start), Snapshots: services.SnapshotReads(store),
		Savings: services.Savings(conf, clients, nil), Regions: services.Regions(conf, clients)}, nil
}

// StartStateMachine starts scans as executions of the scan's state
// machine, so that POST /scans answers at once.
func StartStateMachine(clients *awsconf.Clients, stateMachine string) func(context.Context, string) error {
	return sfnstart.New(sfnclient.Home(clients), stateMachine).Start
}
