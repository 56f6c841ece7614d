// Command scan is the Lambda function the daily EventBridge schedule and
// POST /scans invoke: a full scan, a snapshot, a notification of what is new.
// It only wires; shared/scan does the work.
package main

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

func main() {
	lambdaapp.Handle("scan", func(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) (any, error) {
		store, err := services.Store(conf, clients, nil) // the table, or no start
		if err != nil {
			return nil, err
		}
		progress := func(p scan.Progress) {
			log.Info(p.Step, "detail", p.Detail, "regions_done", p.RegionsDone, "regions", p.Regions)
		}
		sc := services.Scanner(conf, clients, store, services.Costs(conf, clients, nil), progress)
		return scan.Handler(sc), nil
	})
}
