// Package services builds each capability's service from the configuration
// and the AWS clients, the same way for the Lambda functions and for the
// local server, so that the two never drift apart.
package services

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/organizationsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/loopback"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/snapstore"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Discovery is the resource scanner.
func Discovery(conf appconfig.Config, clients *awsconf.Clients) *discovery.Discoverer {
	return discovery.New(discovery.ClientsFrom(clients), conf.Discovery)
}

// Regions checks region names against the account's enabled regions, for
// a function that takes region names but discovers nothing (its list is
// cached, so the check costs one DescribeRegions call per cold start).
func Regions(conf appconfig.Config, clients *awsconf.Clients) httpapi.Regions {
	return Discovery(conf, clients)
}

// Metrics is the CloudWatch reader.
func Metrics(conf appconfig.Config, clients *awsconf.Clients) *metrics.Fetcher {
	return metrics.New(metrics.ClientsFrom(clients), conf.Metrics)
}

// Costs is the Cost Explorer service (the organization's management
// account's when conf reads several accounts, see costClient), caching in
// the table when one is configured and otherwise in local (the local CLI's
// state file), or in memory when that is nil too (the deployed costs
// function requires the table, see appconfig.Manifests).
func Costs(conf appconfig.Config, clients *awsconf.Clients, local costs.Cache) *costs.Service {
	cache := local
	if conf.Table != "" {
		cache = dynamostore.NewCostCache(dynamodbclient.Home(clients), conf.Table, nil).For(Identity(conf, clients))
	}
	return costs.New(costClient(conf, clients), cache, conf.Costs)
}

// costClient is Cost Explorer for the accounts of conf: the caller's own,
// or, for an organization read from a delegated administrator, the
// management account's through its cost role (accounts.CostClients).
func costClient(conf appconfig.Config, clients *awsconf.Clients) costs.CostExplorerAPI {
	if conf.Accounts.Self() {
		return costs.ClientFrom(clients)
	}
	// Outside a scan (the cost routes) the cost role's sessions are named
	// as /metrics' member sessions; a scan's finalize names them after the scan.
	members := accounts.New(conf.Accounts, clients, stsclient.Home(clients), organizationsclient.Home(clients),
		accounts.Options{Role: conf.MemberRole, SessionName: accounts.SessionName("api")})
	return costs.ClientOf(members.CostClients)
}

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

// SnapshotReads is store's reads of a snapshot in parts, for the diff by
// merge, or nil when it has none.
func SnapshotReads(store StateStore) httpapi.SnapshotReads {
	if r, ok := store.(httpapi.SnapshotReads); ok {
		return r
	}
	return nil
}

// Inventory answers GET /resources from the store's newest scan, or from
// discovery now when asked (source=live) or when no scan is stored.
func Inventory(conf appconfig.Config, store StateStore, disc *discovery.Discoverer) *inventory.Service {
	return inventory.New(store, disc, inventory.Options{Reuse: conf.LiveReuse})
}

// Store is where snapshots live: the DynamoDB table conf.Table names, or,
// without one, local: the store a person chose for the local CLI (a state
// file by default, or memory: --state). A deployed function passes nil, and without a table gets
// an error naming the setting: snapshots never silently land in memory,
// where they would vanish with the instance.
func Store(conf appconfig.Config, clients *awsconf.Clients, local StateStore) (StateStore, error) {
	switch {
	case conf.Table != "":
		return dynamostore.NewSnapshotStoreFor(dynamodbclient.Home(clients), conf.Table, conf.Retention, nil, Identity(conf, clients)), nil
	case local != nil:
		return local, nil
	}
	return nil, fmt.Errorf("%s is not set: snapshots need the DynamoDB table it names", appconfig.EnvTable)
}

// Scanner runs full scans with every capability, the store and, when a
// topic is configured, the notifier.
func Scanner(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, records kv.Store, progress func(scan.Progress)) *scan.Scanner {
	d := conf.Discovery
	d.Budget = 10 * time.Minute // a shard function's timeout leaves room after this
	prices := Prices(conf, clients)
	deps := scan.Deps{
		Discovery:    discovery.New(discovery.ClientsFrom(clients), d),
		Metrics:      Metrics(conf, clients),
		Costs:        costSvc,
		Store:        store,
		Thresholds:   conf.Thresholds,
		Progress:     progress,
		DashboardURL: conf.DashboardURL,
		Account:      callerAccount(clients),
		Prices:       prices,
		// AWS serves each region apart (the default); an emulator that
		// computes one GetMetricData at a time is set to 1 by its user.
		RegionsAtOnce: conf.RegionsAtOnce,
		Anomalies:     anomalies(conf, clients, records, prices),
		Ledger:        Ledger(conf, clients, records),
		// The catalogue is read with the scanning identity's own
		// credentials: instance types are the same in every account.
		InstanceTypes: InstanceTypes(conf, clients),
	}
	if conf.TopicARN != "" {
		n := snsnotify.New(snsclient.In(clients, arnRegion(conf.TopicARN, clients.DefaultRegion())), conf.TopicARN)
		if conf.ChatTopicARN != "" {
			n.WithChat(snsclient.In(clients, arnRegion(conf.ChatTopicARN, clients.DefaultRegion())), conf.ChatTopicARN)
		}
		deps.Notifier = n
	}
	return scan.New(deps)
}

// callerAccount asks STS whose the credentials are (no permission needed),
// for the account id of a one-account scan's records.
func callerAccount(clients *awsconf.Clients) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := stsclient.Home(clients).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", awserr.Wrap(err, "sts GetCallerIdentity")
		}
		return aws.ToString(out.Account), nil
	}
}

// OrganizationScan is the engine of every scan, for conf.Accounts: self (the
// default) is a plan of the credentials' own account; otherwise the
// accounts reached from clients (the management account's, or a delegated
// administrator's) through the member role, discovery and metrics built
// over each account's clients, costs from the management account, the parts
// kept in parts, the snapshots in store and the records in records (nil:
// where Records puts them).
func OrganizationScan(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, parts scan.PartStore, costSvc *costs.Service, records kv.Store, progress func(scan.Progress)) *scan.Engine {
	members := accounts.New(conf.Accounts, clients, stsclient.Home(clients), organizationsclient.Home(clients), accounts.Options{Role: conf.MemberRole})
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
func PartStore(store StateStore) (scan.PartStore, error) {
	parts, ok := store.(scan.PartStore)
	if !ok {
		return nil, fmt.Errorf("the state store (%T) cannot keep the parts of a scan of several accounts", store)
	}
	return parts, nil
}

// Prices is the Price List client for the savings of waste findings,
// caching each answer for a week in the table when one is configured and
// otherwise in process memory. It asks the Price List Query API, or the
// endpoint AWS_ENDPOINT_URL_PRICING names: a stand-in on loopback
// (shared/pricestandin) serves recorded list prices, and every price says
// so. With conf.PricesOff (CLOUDSCOPE_PRICE_LIST=off) it asks nothing and
// says so: the one way to turn prices off, whatever endpoint the other
// services use.
func Prices(conf appconfig.Config, clients *awsconf.Clients) *pricing.Client {
	cache := PriceCache(conf, clients)
	if conf.PricesOff {
		return pricing.New(nil, cache)
	}
	c := pricing.New(pricingclient.Global(clients), cache)
	named := awsconf.PricingEndpoint()
	if u, err := url.Parse(named); err == nil && named != "" && loopback.Host(u.Hostname()) {
		c.WithLabel(pricestandin.Label + " (a Price List stand-in at " + named + ")")
	}
	return c
}

// PriceCache keeps Price List answers and instance type catalogues for a
// week: in the table when one is configured, otherwise in process memory.
func PriceCache(conf appconfig.Config, clients *awsconf.Clients) pricing.PriceCache {
	if conf.Table != "" {
		return dynamostore.NewPriceCache(dynamodbclient.Home(clients), conf.Table, nil).For(Identity(conf, clients))
	}
	return memstore.NewPriceCache(nil)
}

// InstanceTypes is the instance type catalogue the rightsize rules compare
// sizes in (ec2:DescribeInstanceTypes per region, which the emulator
// serves too), kept a week in the price cache.
func InstanceTypes(conf appconfig.Config, clients *awsconf.Clients) *instancetypes.Client {
	return instancetypes.New(func(region string) instancetypes.API { return ec2client.In(clients, region) }, PriceCache(conf, clients))
}

// Records is where the records that outlive one scan are kept (the savings
// ledger, the anomalies): the table conf.Table names, or, without one,
// local (the local CLI's state file), or process memory when that is nil
// too (one store for the whole process, so that the scans and the routes
// of one server share it).
func Records(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) kv.Store {
	switch {
	case conf.Table != "":
		return dynamostore.NewKV(dynamodbclient.Home(clients), conf.Table, nil)
	case local != nil:
		return local
	}
	return processRecords()
}

var processRecords = sync.OnceValue(func() kv.Store { return kv.NewMemory(nil) })

// Ledger is the ledger of savings realized, kept in the records (Records).
func Ledger(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *ledger.Ledger {
	return ledger.New(Records(conf, clients, local))
}

// Savings answers GET /savings from the ledger of the credentials' account
// (asked of STS once, again after a failure).
func Savings(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *ledger.Service {
	return &ledger.Service{Ledger: Ledger(conf, clients, local), Account: onceAccount(callerAccount(clients))}
}

// Identity is the scanning identity whose data the stores and caches keep
// apart (snapstore.Identity): the credentials' account (asked of STS once
// it answers) and the accounts setting, so that two profiles, or one
// profile scanning itself and its organization, sharing one table or
// state file never read each other's scans, `latest`, lease or answers.
//
// The stores, the cost cache and the price cache of one cold start share
// one lookup per clients: sts:GetCallerIdentity is asked once, not once each.
func Identity(conf appconfig.Config, clients *awsconf.Clients) func(context.Context) (string, error) {
	account := accountOf(clients)
	setting := conf.Accounts.String()
	return func(ctx context.Context) (string, error) {
		a, err := account(ctx)
		if err != nil {
			return "", err
		}
		return snapstore.Identity(a, setting), nil
	}
}

// callers holds one remembered account lookup per clients.
var callers sync.Map // *awsconf.Clients -> func(context.Context) (string, error)

// accountOf is the account of clients' credentials, asked once it answers,
// shared by every Identity built over the same clients.
func accountOf(clients *awsconf.Clients) func(context.Context) (string, error) {
	if f, ok := callers.Load(clients); ok {
		return f.(func(context.Context) (string, error))
	}
	f, _ := callers.LoadOrStore(clients, onceAccount(callerAccount(clients)))
	return f.(func(context.Context) (string, error))
}

// onceAccount remembers the account lookup answers, once it answers.
func onceAccount(lookup func(context.Context) (string, error)) func(context.Context) (string, error) {
	var mu sync.Mutex
	var id string
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if id == "" {
			v, err := lookup(ctx)
			if err != nil {
				return "", err
			}
			id = v
		}
		return id, nil
	}
}

// arnRegion is the region field of an ARN, or def.
func arnRegion(arn, def string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	return def
}

// Bottlenecks serves the bottleneck, snapshot and scan routes from store;
// start runs a scan in the background.
func Bottlenecks(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, records kv.Store, start func(sc *scan.Scanner) func(context.Context, string) error) *scan.Service {
	sc := Scanner(conf, clients, store, costSvc, records, nil)
	return &scan.Service{Scanner: sc, Store: store, Start: start(sc)}
}

// StateStore is where state is kept: the scans' snapshots, status and
// lease, and the stored inventory that GET /resources reads.
type StateStore interface {
	scan.Store
	inventory.Source
}
