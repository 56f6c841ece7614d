// Command bottlenecks is the Lambda function behind GET /bottlenecks,
// GET /snapshots..., GET /savings (the ledger of savings realized),
// POST /scans (which invokes the scan function asynchronously, or starts
// the sharded scan's state machine) and GET /scans/{id}. It only wires;
// lambdaapp builds everything once per cold start.
package main

import (
	"context"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

func main() {
	lambdaapp.Serve("bottlenecks", func(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
		store, err := services.Store(conf, clients, nil) // the table, or no start
		if err != nil {
			return httpapi.Deps{}, err
		}
		start := func(*scan.Scanner) func(context.Context, string) error {
			if conf.StateMachine != "" { // a scan of many accounts, sharded on Step Functions
				return services.StartStateMachine(clients, conf.StateMachine)
			}
			return services.InvokeScanFunction(clients, conf.ScanFunction)
		}
		return httpapi.Deps{Bottlenecks: services.Bottlenecks(conf, clients, store, services.Costs(conf, clients, nil), start),
			Savings: services.Savings(conf, clients, nil), Regions: services.Regions(conf, clients)}, nil
	})
}
