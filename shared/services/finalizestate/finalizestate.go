// Package finalizestate is the last state of every scan's state machine
// (one account or many): the snapshot of every shard's part, the costs (by
// account; by service for one account),
// the diff and one notification. This is its manifest and its builder.
package finalizestate

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/services/costservice"
	"github.com/cloudscope/cloudscope/shared/services/notifier"
	"github.com/cloudscope/cloudscope/shared/services/prices"
	"github.com/cloudscope/cloudscope/shared/services/stores"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Manifest is the finalize function's. Settings: the table (scan status,
// the shards' parts, the snapshots) and the topic. Size: finalize merges
// every part's summary and writes the snapshot (goal: under 2 minutes and
// 1 GB), with a whole vCPU; one at a time. Grants: it reads the costs once,
// by linked account, reads the parts, the latest snapshot and the cost
// cache, makes the snapshot and notifies.
var Manifest = appconfig.Manifest{
	Name: "finalize", MemoryMB: 1769, TimeoutSeconds: 900, Concurrency: 1,
	Function: appconfig.Function{Required: []string{appconfig.EnvTable, appconfig.EnvTopic}, Optional: []string{appconfig.EnvAccounts, appconfig.EnvRetention, appconfig.EnvThresholds, appconfig.EnvCostTTL, appconfig.EnvChatTopic, appconfig.EnvDashboardURL, appconfig.EnvAnomalyMinUSD, appconfig.EnvAnomalyMinPercent}},
	// The finalize's anomalies price what changed in the inventory that day.
	Grants: appconfig.Grants{Account: appconfig.Union(costs.ReportIAMActions, pricing.IAMActions),
		Table: appconfig.Union(dynamostore.IAMActions, dynamostore.FinalizeIAMActions, dynamostore.SnapshotIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.KVIAMActions, dynamostore.PriceCacheIAMActions),
		Topic: appconfig.Union(snsnotify.IAMActions), TopicKey: appconfig.Union(snsnotify.KMSActions)},
}

// Handler is the finalize state's: the snapshot of the parts, the costs by
// account, the diff and one notification.
func Handler(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
	store, parts, err := stores.TableWithParts(conf, clients)
	if err != nil {
		return nil, err
	}
	costSvc := costservice.Costs(conf, clients, nil)
	priceList := prices.PriceList(conf, clients)
	engine := scan.NewEngine(scan.EngineDeps{
		Accounts: accounts.New(conf.Accounts, clients, stsclient.Home(clients), orgaccounts.Of(clients), accounts.Options{Role: conf.MemberRole}),
		Costs:    costSvc,
		Parts:    parts,
		// The snapshot, the anomalies (priced), the ledger and the
		// notification; the finalize lists and reads no resources.
		Scanner: scan.New(scan.Deps{Store: store, Costs: costSvc, Thresholds: conf.Thresholds, DashboardURL: conf.DashboardURL,
			Account: stores.CallerAccount(clients), RegionsAtOnce: conf.RegionsAtOnce, Prices: priceList,
			Anomalies: stores.Anomalies(conf, clients, nil, priceList), Ledger: stores.Ledger(conf, clients, nil),
			Notifier: notifier.For(conf, clients)}),
		HomeRegion: clients.DefaultRegion(),
	}, scan.EngineOptions{Concurrency: conf.ShardConcurrency, Regions: conf.Discovery.Regions})
	return scanapp.FinalizeHandler(engine), nil
}
