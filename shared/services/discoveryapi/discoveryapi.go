// Package discoveryapi is the discovery function, behind GET /regions and
// GET /resources (from the stored inventory, or live on request): its
// manifest and its builder. It links discovery's services, DynamoDB and STS.
package discoveryapi

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// Manifest is the discovery function's. Settings: the table, where GET
// /resources reads the newest scan. Size: GET /resources reads the stored
// inventory: a first page takes a few milliseconds, but a filter or sort
// across 1,000,000 resources decodes them all (about 10 s of one core and a
// 46 MiB heap, BenchmarkStoredInventory): 1,769 MB buys a whole vCPU, and
// 29 s is API Gateway's own limit.
var Manifest = appconfig.Manifest{
	Name: "discovery", MemoryMB: 1769, TimeoutSeconds: 29, Concurrency: 10,
	Routes: []appconfig.Route{appconfig.Get("/regions"), appconfig.Get("/resources"), appconfig.Get("/openapi.yaml")},
	// The accounts setting names, with the account, whose stored scans it reads (snapstore.Identity).
	Function: appconfig.Function{Required: []string{appconfig.EnvTable}, Optional: []string{appconfig.EnvRetention, appconfig.EnvConcurrency, appconfig.EnvLiveReuse, appconfig.EnvAccounts}},
	Grants:   appconfig.Grants{Account: appconfig.Union(discovery.IAMActions), Table: appconfig.Union(dynamostore.SnapshotReadIAMActions)},
}

// API serves GET /regions and GET /resources (from the stored inventory, or
// live on request).
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	d := Discoverer(conf, clients)
	store, err := stores.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return httpapi.Deps{}, err
	}
	return httpapi.Deps{Discovery: d, Inventory: Inventory(conf, store, d), Regions: d}, nil
}

// Discoverer is the resource scanner.
func Discoverer(conf appconfig.Config, clients *awsconf.Clients) *discovery.Discoverer {
	return discovery.New(discovery.ClientsFrom(clients), conf.Discovery)
}

// Inventory answers GET /resources from the store's newest scan, or from
// discovery now when asked (source=live) or when no scan is stored.
func Inventory(conf appconfig.Config, store inventory.Source, disc *discovery.Discoverer) *inventory.Service {
	return inventory.New(store, disc, inventory.Options{Reuse: conf.LiveReuse})
}
