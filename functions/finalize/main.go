// Command finalize is the last state of the sharded scan's state machine:
// the snapshot of every shard's part, the costs by account, the diff and
// one notification. It only wires; shared/fleetapp and the shard engine do
// the work.
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
	lambdaapp.Handle("finalize", func(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
		store, err := services.Store(conf, clients, nil) // the table, or no start
		if err != nil {
			return nil, err
		}
		engine, err := services.FleetEngine(conf, clients, store)
		if err != nil {
			return nil, err
		}
		return fleetapp.FinalizeHandler(engine), nil
	})
}
