// Package costservice builds the Cost Explorer service of a function that
// reads costs: the caller's own account's, or the organization's management
// account's (through its cost role, found with Organizations), caching in
// the table. It links Cost Explorer, Organizations, STS and DynamoDB.
package costservice

import (
	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// Costs is the Cost Explorer service (the organization's management
// account's when conf reads several accounts, see costClient), caching in
// the table when one is configured and otherwise in local (the local CLI's
// state file), or in memory when that is nil too (the deployed costs
// function requires the table, see its manifest).
func Costs(conf appconfig.Config, clients *awsconf.Clients, local costs.Cache) *costs.Service {
	cache := local
	if conf.Table != "" {
		cache = dynamostore.NewCostCache(dynamodbclient.Home(clients), conf.Table, nil).For(stores.Identity(conf, clients))
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
	members := accounts.New(conf.Accounts, clients, stsclient.Home(clients), orgaccounts.Of(clients),
		accounts.Options{Role: conf.MemberRole, SessionName: accountset.SessionName("api")})
	return costs.ClientOf(members.CostClients)
}
