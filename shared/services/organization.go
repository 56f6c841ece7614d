package services

import (
	"context"
	"sync"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/organizationsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/s3items"
	"github.com/cloudscope/cloudscope/shared/scanapp"
)

// OrganizationStates is every scan's engine (one account or many) for the plan, shard and finalize
// functions: the table keeps the parts, and the costs go through its cache.
func OrganizationStates(conf appconfig.Config, clients *awsconf.Clients, store StateStore) (scanapp.States, error) {
	parts, err := PartStore(store)
	if err != nil {
		return nil, err
	}
	return OrganizationScan(conf, clients, store, parts, Costs(conf, clients, nil), nil, nil), nil
}

// PlanItems writes the plan to the plan bucket, for the state machine's
// Distributed Map to read.
func PlanItems(conf appconfig.Config, clients *awsconf.Clients) *s3items.Writer {
	return s3items.New(s3client.In(clients, clients.DefaultRegion()), conf.PlanBucket)
}

// MemberMetrics reads a member account's metrics through its member role
// (the same role, session rules and grants as a scan's shards), for
// GET /metrics?accounts=<id>; nil when the setting reads only the caller's
// own account.
func MemberMetrics(conf appconfig.Config, clients *awsconf.Clients) func(context.Context, string) (httpapi.Metrics, error) {
	if conf.Accounts.Self() {
		return nil
	}
	members := accounts.New(conf.Accounts, clients, stsclient.Home(clients), organizationsclient.Home(clients), accounts.Options{Role: conf.MemberRole})
	var mu sync.Mutex
	readers := map[*awsconf.Clients]*metrics.Fetcher{} // one per member's clients (renewed with them)
	return func(ctx context.Context, account string) (httpapi.Metrics, error) {
		if !cloudscope.ValidAccountID(account) {
			return nil, cloudscope.Invalid("accounts", "%q is not a 12-digit account id", cloudscope.Clip(account))
		}
		c, err := members.Clients(accounts.ForScan(ctx, "api"), account)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if f := readers[c]; f != nil {
			return f, nil
		}
		f := Metrics(conf, c)
		readers[c] = f
		return f, nil
	}
}
