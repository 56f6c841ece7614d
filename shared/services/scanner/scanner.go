// Package scanner builds the one-process scan's dependencies: discovery and
// metrics over the caller's clients, the costs, the prices and instance
// types the rules read, the anomalies, the savings ledger and the store. It
// is what the local CLI and `serve` run (their scans and live view); the
// deployed functions each take only their part.
package scanner

import (
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services/instancecatalogue"
	"github.com/cloudscope/cloudscope/shared/services/prices"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// Deps are a full scan's dependencies, with no notifier (see
// shared/services/notifier): every capability over clients, the store, the
// costs, the records (local: the local CLI's; nil: where stores.Records
// keeps them) and progress.
func Deps(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, records kv.Store, progress func(scan.Progress)) scan.Deps {
	d := conf.Discovery
	d.Budget = 10 * time.Minute // the scan function's timeout leaves room after this
	priceList := prices.PriceList(conf, clients)
	return scan.Deps{
		Discovery:    discovery.New(discovery.ClientsFrom(clients), d),
		Metrics:      metrics.New(metrics.ClientsFrom(clients), conf.Metrics),
		Costs:        costSvc,
		Store:        store,
		Thresholds:   conf.Thresholds,
		Progress:     progress,
		DashboardURL: conf.DashboardURL,
		Account:      stores.CallerAccount(clients),
		Prices:       priceList,
		// AWS serves each region apart (the default); an emulator that
		// computes one GetMetricData at a time is set to 1 by its user.
		RegionsAtOnce: conf.RegionsAtOnce,
		Anomalies:     stores.Anomalies(conf, clients, records, priceList),
		Ledger:        stores.Ledger(conf, clients, records),
		// The catalogue is read with the scanning identity's own
		// credentials: instance types are the same in every account.
		InstanceTypes: instancecatalogue.InstanceTypes(conf, clients),
	}
}
