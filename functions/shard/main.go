// Command shard is the sharded scan's unit of work, run by the state
// machine's Distributed Map once per item: one account's one region (or
// some of its types), stored as the scan's part. It only wires;
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
	lambdaapp.Handle("shard", func(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
		store, err := services.Store(conf, clients, nil) // the table, or no start
		if err != nil {
			return nil, err
		}
		engine, err := services.FleetEngine(conf, clients, store)
		if err != nil {
			return nil, err
		}
		return fleetapp.ShardHandler(engine), nil
	})
}
