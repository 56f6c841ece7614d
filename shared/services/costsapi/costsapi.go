// Package costsapi is the costs function, behind GET /costs, GET
// /costs/forecast and GET /anomalies: its manifest and its builder. It
// links Cost Explorer, DynamoDB, STS and, for an organization's costs, the
// accounts package.
package costsapi

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/services/costservice"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// Manifest is the costs function's. Settings: the table, where Cost
// Explorer answers are cached (each miss is a billed request; a cache in
// memory is lost with every instance). Size: it reserves few instances:
// every miss is a billed Cost Explorer request.
var Manifest = appconfig.Manifest{
	Name: "costs", MemoryMB: 256, TimeoutSeconds: 30, Concurrency: 5,
	Routes: []appconfig.Route{appconfig.Get("/costs"), appconfig.Get("/costs/forecast"), appconfig.Get("/anomalies")},
	// With a scan of many accounts it reads the organization's costs, in
	// the management account (see infra's management stack).
	Function: appconfig.Function{Required: []string{appconfig.EnvTable}, Optional: []string{appconfig.EnvCostTTL, appconfig.EnvAccounts}},
	Grants:   appconfig.Grants{Account: appconfig.Union(costs.IAMActions), Table: appconfig.Union(dynamostore.IAMActions, dynamostore.KVIAMActions)},
}

// API serves GET /costs, GET /costs/forecast and GET /anomalies. The
// anomalies are listed, never evaluated here (a scan does that): no Price
// List is asked.
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	return httpapi.Deps{Costs: costservice.Costs(conf, clients, nil), Anomalies: stores.Anomalies(conf, clients, nil, nil)}, nil
}
