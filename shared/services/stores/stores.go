// Package stores builds where a cloudscope function keeps its state from
// the configuration and the AWS clients: the snapshot store (the DynamoDB
// table, or the local CLI's choice), the records that outlive one scan (the
// savings ledger, the anomalies), and the scanning identity that keeps two
// identities' data apart. It links DynamoDB and STS only, so that every
// function's builder can use it.
package stores

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/snapstore"
)

// StateStore is where state is kept: the scans' snapshots, status and
// lease, and the stored inventory that GET /resources reads.
type StateStore interface {
	scan.Store
	inventory.Source
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

// TableWithParts is the table's store (Store, without a local one) and the
// same store as the keeper of a scan's parts: what the scan's states
// (plan, shard, finalize) keep their work in.
func TableWithParts(conf appconfig.Config, clients *awsconf.Clients) (StateStore, scan.PartStore, error) {
	store, err := Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return nil, nil, err
	}
	parts, err := PartStore(store)
	return store, parts, err
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
	return &ledger.Service{Ledger: Ledger(conf, clients, local), Account: OnceAccount(CallerAccount(clients))}
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
	f, _ := callers.LoadOrStore(clients, OnceAccount(CallerAccount(clients)))
	return f.(func(context.Context) (string, error))
}

// CallerAccount asks STS whose the credentials are (no permission needed),
// for the account id of a one-account scan's records.
func CallerAccount(clients *awsconf.Clients) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := stsclient.Home(clients).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", awserr.Wrap(err, "sts GetCallerIdentity")
		}
		return aws.ToString(out.Account), nil
	}
}

// OnceAccount remembers the account lookup answers, once it answers.
func OnceAccount(lookup func(context.Context) (string, error)) func(context.Context) (string, error) {
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

// Anomalies is the spend anomalies' service: its records where Records
// keeps them (local: the local CLI's; nil: the process's own), the changes
// priced through prices (nil: none, for a function that only lists them),
// and the scanning identity (sts:GetCallerIdentity, asked once) naming
// their partition.
func Anomalies(conf appconfig.Config, clients *awsconf.Clients, local kv.Store, prices anomaly.Prices) *anomaly.Service {
	return anomaly.New(Records(conf, clients, local), prices, OnceAccount(CallerAccount(clients)), anomaly.Options{Floors: conf.Anomaly})
}
