// Package scanjob is the scan function, which the daily EventBridge
// schedule and POST /scans invoke: a full scan, a snapshot, a notification
// of what is new. This is its manifest and its builder.
package scanjob

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/services/costservice"
	"github.com/cloudscope/cloudscope/shared/services/notifier"
	"github.com/cloudscope/cloudscope/shared/services/scanner"
	"github.com/cloudscope/cloudscope/shared/services/stores"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Manifest is the scan function's. Settings: the table, where snapshots
// go, and the topic for new findings. Size: the scan reads a
// 10,000-resource account in 2.5 s with a 146 MiB heap (make bench); 1 GB
// and 15 minutes leave room for accounts far larger; one instance, since
// one scan runs at a time.
var Manifest = appconfig.Manifest{
	Name: "scan", MemoryMB: 1024, TimeoutSeconds: 900, Concurrency: 1,
	Function: appconfig.Function{Required: []string{appconfig.EnvTable, appconfig.EnvTopic}, Optional: []string{appconfig.EnvRetention, appconfig.EnvThresholds, appconfig.EnvConcurrency, appconfig.EnvPercentiles, appconfig.EnvCostTTL, appconfig.EnvChatTopic, appconfig.EnvDashboardURL,
		appconfig.EnvAccounts, appconfig.EnvMemberRole, appconfig.EnvRegionsAtOnce, appconfig.EnvAnomalyMinUSD, appconfig.EnvAnomalyMinPercent, appconfig.EnvRegions, appconfig.EnvSkipRegions}},
	Grants: appconfig.Grants{Account: appconfig.Union(discovery.IAMActions, metrics.IAMActions, costs.ReportIAMActions, pricing.IAMActions, instancetypes.IAMActions),
		Table: appconfig.Union(dynamostore.IAMActions, dynamostore.PriceCacheIAMActions, dynamostore.SnapshotIAMActions, dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.KVIAMActions),
		Topic: appconfig.Union(snsnotify.IAMActions), TopicKey: appconfig.Union(snsnotify.KMSActions),
		DeadLetters: []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}},
}

// Handler is the scan function's: a full scan, a snapshot, a notification
// of what is new, its progress logged.
func Handler(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) (any, error) {
	store, err := stores.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return nil, err
	}
	progress := func(p scan.Progress) {
		log.Info(p.Step, "detail", p.Detail, "regions_done", p.RegionsDone, "regions", p.Regions)
	}
	deps := scanner.Deps(conf, clients, store, costservice.Costs(conf, clients, nil), nil, progress)
	deps.Notifier = notifier.For(conf, clients)
	return scanapp.ScanHandler(scan.New(deps)), nil
}
