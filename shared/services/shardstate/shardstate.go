// Package shardstate is every scan's unit of work, run by the
// state machine's Distributed Map once per item: one account's one region
// (or some of its types), stored as the scan's part; the bottlenecks
// function's live view has it run its shards too, answered and not stored
// (scanapp.ShardRequest's live). This is its manifest and its builder.
package shardstate

import (
	"log/slog"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/services/instancecatalogue"
	"github.com/cloudscope/cloudscope/shared/services/prices"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// Manifest is the shard function's. Settings: the table (the shards'
// parts). Size: a shard holds one account-region (goal: a peak heap under
// 256 MB, issue 14), up to 15 minutes; as many at once as the map's
// MaxConcurrency (cloudscope:shardConcurrency). Grants: a shard reads one
// account-region through the member role (in the management account with
// its own), prices its waste findings through the price cache and stores
// its part.
var Manifest = appconfig.Manifest{
	Name: "shard", MemoryMB: 512, TimeoutSeconds: 900,
	Function: appconfig.Function{Required: []string{appconfig.EnvTable}, Optional: []string{appconfig.EnvAccounts, appconfig.EnvMemberRole, appconfig.EnvRetention, appconfig.EnvThresholds, appconfig.EnvConcurrency, appconfig.EnvPercentiles,
		appconfig.EnvRegions, appconfig.EnvSkipRegions}},
	Grants: appconfig.Grants{Account: appconfig.Union(discovery.IAMActions, metricquery.IAMActions, pricing.IAMActions, instancetypes.IAMActions), AssumesMemberRole: true,
		Table: appconfig.Union(dynamostore.PartIAMActions, dynamostore.ShardProgressIAMActions, dynamostore.PriceCacheIAMActions)},
}

// Handler is the shard state's: one shard, stored as the scan's part (or,
// asked live, answered).
func Handler(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
	store, parts, err := stores.TableWithParts(conf, clients)
	if err != nil {
		return nil, err
	}
	d := conf.Discovery
	d.Budget = 10 * time.Minute // a shard has the shard function's whole time, less the store and metrics
	engine := scan.NewEngine(scan.EngineDeps{
		Accounts:  accounts.New(conf.Accounts, clients, stsclient.Home(clients), nil, accounts.Options{Role: conf.MemberRole}),
		Discovery: func(c *awsconf.Clients) scan.Discoverer { return discovery.New(discovery.ClientsFrom(c), d) },
		Metrics:   func(c *awsconf.Clients) scan.Fetcher { return metrics.New(metrics.ClientsFrom(c), conf.Metrics) },
		Parts:     parts,
		// The rules' thresholds, prices and instance types; the shard reads
		// no costs and tells no one.
		Scanner: scan.New(scan.Deps{Store: store, Thresholds: conf.Thresholds, DashboardURL: conf.DashboardURL,
			Account: stores.CallerAccount(clients), RegionsAtOnce: conf.RegionsAtOnce,
			Prices: prices.PriceList(conf, clients), InstanceTypes: instancecatalogue.InstanceTypes(conf, clients)}),
		HomeRegion: clients.DefaultRegion(),
	}, scan.EngineOptions{Concurrency: conf.ShardConcurrency, Regions: conf.Discovery.Regions})
	return scanapp.ShardHandler(engine), nil
}
