// Package digestjob is the digest function, which the weekly schedule
// invokes: the digest of the week's stored scans, published to the findings
// topic. It scans nothing (every scan runs on the state machine: planstate,
// shardstate, finalizestate). This is its manifest and its builder.
package digestjob

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/services/costservice"
	"github.com/cloudscope/cloudscope/shared/services/notifier"
	"github.com/cloudscope/cloudscope/shared/services/stores"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Manifest is the digest function's. Settings: the table, where the
// snapshots, the ledger and the anomalies are, and the topic the digest
// goes to. Size: it reads a few snapshots' findings and one cost query;
// one instance at a time.
var Manifest = appconfig.Manifest{
	Name: "digest", MemoryMB: 512, TimeoutSeconds: 300, Concurrency: 1,
	Function: appconfig.Function{Required: []string{appconfig.EnvTable, appconfig.EnvTopic},
		Optional: []string{appconfig.EnvRetention, appconfig.EnvCostTTL, appconfig.EnvChatTopic, appconfig.EnvDashboardURL, appconfig.EnvAccounts}},
	Grants: appconfig.Grants{Account: appconfig.Union(costs.ReportIAMActions),
		Table: appconfig.Union(dynamostore.IAMActions, dynamostore.SnapshotReadIAMActions, dynamostore.KVIAMActions),
		Topic: appconfig.Union(snsnotify.IAMActions), TopicKey: appconfig.Union(snsnotify.KMSActions)},
}

// Handler is the digest function's: the weekly digest of the stored scans
// (scan.Scanner.Digest over the store, the costs, the ledger and the
// anomaly records, with no capability that reads resources), its step
// logged.
func Handler(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) (any, error) {
	store, err := stores.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return nil, err
	}
	sc := scan.New(scan.Deps{
		Store:        store,
		Costs:        costservice.Costs(conf, clients, nil),
		Notifier:     notifier.For(conf, clients),
		Ledger:       stores.Ledger(conf, clients, nil),
		Anomalies:    stores.Anomalies(conf, clients, nil, nil), // the week's records, read as they are: nothing is priced
		DashboardURL: conf.DashboardURL,
		Progress:     func(p scan.Progress) { log.Info(p.Step, "detail", p.Detail) },
	})
	return scanapp.DigestHandler(sc), nil
}
