// Package metricsapi is the metrics function, behind GET /metrics: its
// manifest and its builder. It links CloudWatch, EC2 (the enabled regions),
// STS and, for a member's metrics, the accounts package.
package metricsapi

import (
	"context"
	"sync"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/regions"
)

// Manifest is the metrics function's. Settings: nothing required; it only
// reads AWS. Grants: the route checks its region against the enabled ones
// first.
var Manifest = appconfig.Manifest{
	Name: "metrics", MemoryMB: 512, TimeoutSeconds: 30, Concurrency: 10,
	Routes:   []appconfig.Route{appconfig.Get("/metrics")},
	Function: appconfig.Function{Optional: []string{appconfig.EnvPercentiles, appconfig.EnvAccounts, appconfig.EnvMemberRole}},
	// With a scan of many accounts it reads a member's metrics through the
	// member role, as a shard does (knowing its own account first).
	Grants: appconfig.Grants{Account: appconfig.Union(metricquery.IAMActions, regions.IAMActions, []string{"sts:GetCallerIdentity"}), AssumesMemberRole: true},
}

// API serves GET /metrics.
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	return httpapi.Deps{Metrics: Fetcher(conf, clients), Regions: regions.Of(clients), MemberMetrics: MemberMetrics(conf, clients)}, nil
}

// Fetcher is the CloudWatch reader.
func Fetcher(conf appconfig.Config, clients *awsconf.Clients) *metrics.Fetcher {
	return metrics.New(metrics.ClientsFrom(clients), conf.Metrics)
}

// MemberMetrics reads a member account's metrics through its member role
// (the same role, session rules and grants as a scan's shards), for
// GET /metrics?accounts=<id>; nil when the setting reads only the caller's
// own account.
func MemberMetrics(conf appconfig.Config, clients *awsconf.Clients) func(context.Context, string) (httpapi.Metrics, error) {
	if conf.Accounts.Self() {
		return nil
	}
	members := accounts.New(conf.Accounts, clients, stsclient.Home(clients), nil, accounts.Options{Role: conf.MemberRole})
	var mu sync.Mutex
	readers := map[*awsconf.Clients]*metrics.Fetcher{} // one per member's clients (renewed with them)
	return func(ctx context.Context, account string) (httpapi.Metrics, error) {
		if !cloudscope.ValidAccountID(account) {
			return nil, cloudscope.Invalid("accounts", "%q is not a 12-digit account id", cloudscope.Clip(account))
		}
		c, err := members.Clients(accountset.ForScan(ctx, "api"), account)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if f := readers[c]; f != nil {
			return f, nil
		}
		f := Fetcher(conf, c)
		readers[c] = f
		return f, nil
	}
}
