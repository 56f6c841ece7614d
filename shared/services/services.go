// Package services builds every capability's service from the configuration
// and the AWS clients, for the local server and CLI (cmd/cloudscope), which
// answers every route. It is the sum of the parts each deployed function's
// builder takes apart (shared/services/<name>api, scanjob, <name>state, over
// stores, costservice, prices, instancecatalogue, scanner and notifier), so
// that the two never drift apart; no function imports it.
package services

import (
	"context"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services/bottlenecksapi"
	"github.com/cloudscope/cloudscope/shared/services/costservice"
	"github.com/cloudscope/cloudscope/shared/services/discoveryapi"
	"github.com/cloudscope/cloudscope/shared/services/instancecatalogue"
	"github.com/cloudscope/cloudscope/shared/services/metricsapi"
	"github.com/cloudscope/cloudscope/shared/services/notifier"
	"github.com/cloudscope/cloudscope/shared/services/prices"
	"github.com/cloudscope/cloudscope/shared/services/scanner"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// StateStore is where state is kept (stores.StateStore).
type StateStore = stores.StateStore

// Local is what a person chose to keep state in on a laptop (cloudscope
// serve and scan): a store, and a cost cache (nil: memory).
type Local struct {
	Store     StateStore
	CostCache costs.Cache
	// Records keeps the records that outlive one scan (the savings ledger,
	// the anomalies); nil: process memory.
	Records kv.Store
}

// All is every service, for a server that answers every route: store
// keeps the snapshots (see Store), costCache the Cost Explorer answers when
// no table is set (nil: memory), and start runs a scan in the background.
func All(conf appconfig.Config, clients *awsconf.Clients, store StateStore, costCache costs.Cache, records kv.Store, start func(sc *scan.Scanner) func(context.Context, string) error) httpapi.Deps {
	costSvc := Costs(conf, clients, costCache) // one cache for the cost routes and the scans
	disc := Discovery(conf, clients)
	return httpapi.Deps{
		Discovery:   disc,
		Inventory:   Inventory(conf, store, disc),
		Metrics:     Metrics(conf, clients),
		Costs:       costSvc,
		Bottlenecks: Bottlenecks(conf, clients, store, costSvc, records, start),
		Snapshots:   SnapshotReads(store),
		Anomalies:   Anomalies(conf, clients, records),
		Savings:     Savings(conf, clients, records),
		Regions:     disc, // one region list for every route
		// Another account's metrics through its member role, when the
		// server reads several.
		MemberMetrics: MemberMetrics(conf, clients),
	}
}

// Discovery is the resource scanner.
func Discovery(conf appconfig.Config, clients *awsconf.Clients) *discovery.Discoverer {
	return discoveryapi.Discoverer(conf, clients)
}

// Regions checks region names against the account's enabled regions (its
// list is cached, so the check costs one DescribeRegions call per start).
func Regions(conf appconfig.Config, clients *awsconf.Clients) httpapi.Regions {
	return Discovery(conf, clients)
}

// Metrics is the CloudWatch reader.
func Metrics(conf appconfig.Config, clients *awsconf.Clients) *metrics.Fetcher {
	return metricsapi.Fetcher(conf, clients)
}

// MemberMetrics reads a member account's metrics through its member role
// (metricsapi.MemberMetrics); nil for the caller's own account alone.
func MemberMetrics(conf appconfig.Config, clients *awsconf.Clients) func(context.Context, string) (httpapi.Metrics, error) {
	return metricsapi.MemberMetrics(conf, clients)
}

// Costs is the Cost Explorer service (costservice.Costs).
func Costs(conf appconfig.Config, clients *awsconf.Clients, local costs.Cache) *costs.Service {
	return costservice.Costs(conf, clients, local)
}

// SnapshotReads is store's reads of a snapshot in parts, for the diff by
// merge, or nil when it has none.
func SnapshotReads(store StateStore) httpapi.SnapshotReads {
	return bottlenecksapi.SnapshotReads(store)
}

// Inventory answers GET /resources from the store's newest scan, or from
// discovery now when asked (source=live) or when no scan is stored.
func Inventory(conf appconfig.Config, store StateStore, disc *discovery.Discoverer) *inventory.Service {
	return discoveryapi.Inventory(conf, store, disc)
}

// Store is where snapshots live (stores.Store).
func Store(conf appconfig.Config, clients *awsconf.Clients, local StateStore) (StateStore, error) {
	return stores.Store(conf, clients, local)
}

// Scanner runs full scans with every capability, the store and, when a
// topic is configured, the notifier.
func Scanner(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, records kv.Store, progress func(scan.Progress)) *scan.Scanner {
	deps := scanner.Deps(conf, clients, store, costSvc, records, progress)
	deps.Notifier = notifier.For(conf, clients)
	return scan.New(deps)
}

// Engine is the engine of every scan, for conf.Accounts: self (the
// default) is a plan of the credentials' own account; otherwise the
// accounts reached from clients (the management account's, or a delegated
// administrator's) through the member role, discovery and metrics built
// over each account's clients, costs from the management account, the parts
// kept in parts, the snapshots in store and the records in records (nil:
// where Records puts them).
func Engine(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, parts scan.PartStore, costSvc *costs.Service, records kv.Store, progress func(scan.Progress)) *scan.Engine {
	members := accounts.New(conf.Accounts, clients, stsclient.Home(clients), orgaccounts.Of(clients), accounts.Options{Role: conf.MemberRole})
	d := conf.Discovery
	d.Budget = 10 * time.Minute // a shard has the shard function's whole time, less the store and metrics
	return scan.NewEngine(scan.EngineDeps{
		Accounts:   members,
		Discovery:  func(c *awsconf.Clients) scan.Discoverer { return discovery.New(discovery.ClientsFrom(c), d) },
		Metrics:    func(c *awsconf.Clients) scan.Fetcher { return Metrics(conf, c) },
		Costs:      costSvc,
		Parts:      parts,
		Scanner:    Scanner(conf, clients, store, costSvc, records, progress),
		HomeRegion: clients.DefaultRegion(),
	}, scan.EngineOptions{Concurrency: conf.ShardConcurrency, PerAccount: regionsAtOnce(conf), Regions: conf.Discovery.Regions})
}

// regionsAtOnce bounds the shards (regions) of one account run at once in
// this process: the setting, or for one account the one-account default
// (scan.RegionsAtOnce); 0 leaves the engine's per-account default.
func regionsAtOnce(conf appconfig.Config) int {
	if conf.RegionsAtOnce == 0 && conf.Accounts.Self() {
		return scan.RegionsAtOnce
	}
	return conf.RegionsAtOnce
}

// PartStore is store as a keeper of a scan's parts, or an error
// saying that it cannot keep them.
func PartStore(store StateStore) (scan.PartStore, error) { return stores.PartStore(store) }

// Prices is the Price List client (prices.PriceList).
func Prices(conf appconfig.Config, clients *awsconf.Clients) *pricing.Client {
	return prices.PriceList(conf, clients)
}

// PriceCache keeps Price List answers and instance type catalogues for a
// week (prices.Cache).
func PriceCache(conf appconfig.Config, clients *awsconf.Clients) pricing.PriceCache {
	return prices.Cache(conf, clients)
}

// InstanceTypes is the instance type catalogue (instancecatalogue.InstanceTypes).
func InstanceTypes(conf appconfig.Config, clients *awsconf.Clients) *instancetypes.Client {
	return instancecatalogue.InstanceTypes(conf, clients)
}

// Records is where the records that outlive one scan are kept (stores.Records).
func Records(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) kv.Store {
	return stores.Records(conf, clients, local)
}

// Ledger is the ledger of savings realized, kept in the records.
func Ledger(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *ledger.Ledger {
	return stores.Ledger(conf, clients, local)
}

// Savings answers GET /savings from the ledger of the credentials' account.
func Savings(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *ledger.Service {
	return stores.Savings(conf, clients, local)
}

// Identity is the scanning identity whose data the stores and caches keep
// apart (stores.Identity).
func Identity(conf appconfig.Config, clients *awsconf.Clients) func(context.Context) (string, error) {
	return stores.Identity(conf, clients)
}

// Anomalies is the spend anomalies' service, its changes priced by the
// Price List (stores.Anomalies).
func Anomalies(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *anomaly.Service {
	return stores.Anomalies(conf, clients, local, Prices(conf, clients))
}

// Bottlenecks serves the bottleneck, snapshot and scan routes from store;
// start runs a scan in the background (notifying, when a topic is set).
func Bottlenecks(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, records kv.Store, start func(sc *scan.Scanner) func(context.Context, string) error) *scan.Service {
	sc := Scanner(conf, clients, store, costSvc, records, nil)
	return &scan.Service{Scanner: sc, Store: store, Start: start(sc)}
}
