// Package planstate is the first state of every scan's state machine (one
// account or many): it lists the scan's shards (accounts by enabled regions) and
// writes them to the plan bucket, where the Distributed Map reads them.
// This is its manifest and its builder.
package planstate

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/regions"
	"github.com/cloudscope/cloudscope/shared/s3items"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// Manifest is the plan function's. Settings: the table (scan status, its
// own part) and the bucket it writes the shards to. Size: a plan is a few
// calls per account; one at a time. Grants: it lists the accounts and each
// one's enabled regions (in members through their role), holds the scan's
// lease, records the shard total, stores its own part (the skipped
// accounts) and writes the plan.
var Manifest = appconfig.Manifest{
	Name: "plan", MemoryMB: 512, TimeoutSeconds: 300, Concurrency: 1,
	Function: appconfig.Function{Required: []string{appconfig.EnvTable, appconfig.EnvPlanBucket}, Optional: []string{appconfig.EnvAccounts, appconfig.EnvMemberRole, appconfig.EnvRetention, appconfig.EnvRegions, appconfig.EnvSkipRegions}},
	Grants: appconfig.Grants{Account: appconfig.Union(accounts.OrganizationsIAMActions, regions.IAMActions), AssumesMemberRole: true,
		Table:      appconfig.Union(dynamostore.StatusIAMActions, dynamostore.LeaseIAMActions, dynamostore.PartIAMActions, dynamostore.ShardProgressIAMActions),
		PlanBucket: appconfig.Union(s3items.IAMActions)},
}

// Handler is the plan state's: it writes the scan's shards to the plan
// bucket.
func Handler(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
	store, parts, err := stores.TableWithParts(conf, clients)
	if err != nil {
		return nil, err
	}
	engine := scan.NewEngine(scan.EngineDeps{
		Accounts: accounts.New(conf.Accounts, clients, stsclient.Home(clients), orgaccounts.Of(clients), accounts.Options{Role: conf.MemberRole}),
		// The plan lists each account's enabled regions; it discovers no
		// resources and reads no metrics.
		Discovery: func(c *awsconf.Clients) scan.Discoverer { return scan.RegionsOnly(regions.Of(c)) },
		Metrics:   func(*awsconf.Clients) scan.Fetcher { return nil },
		Parts:     parts,
		// The scan's lease and status.
		Scanner: scan.New(scan.Deps{Store: store, Thresholds: conf.Thresholds, DashboardURL: conf.DashboardURL,
			Account: stores.CallerAccount(clients), RegionsAtOnce: conf.RegionsAtOnce}),
		HomeRegion: clients.DefaultRegion(),
	}, scan.EngineOptions{Concurrency: conf.ShardConcurrency, Regions: conf.Discovery.Regions})
	return scanapp.PlanHandler(engine, Items(conf, clients)), nil
}

// Items writes the plan to the plan bucket, for the state machine's
// Distributed Map to read.
func Items(conf appconfig.Config, clients *awsconf.Clients) *s3items.Writer {
	return s3items.New(s3client.In(clients, clients.DefaultRegion()), conf.PlanBucket)
}
