// Command plan is the first state of the sharded scan's state machine: it
// lists the scan's shards (accounts by enabled regions) and writes them to
// the plan bucket, where the Distributed Map reads them. It only wires;
// shared/fleetapp and the shard engine do the work.
package main

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/fleetapp"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

func main() {
	lambdaapp.Handle("plan", func(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
		store, err := services.Store(conf, clients, nil) // the table, or no start
		if err != nil {
			return nil, err
		}
		engine, err := services.FleetEngine(conf, clients, store)
		if err != nil {
			return nil, err
		}
		return fleetapp.PlanHandler(engine, services.PlanItems(conf, clients)), nil
	})
}
