package services

import (
	"context"
	"sync"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// processRecords keeps the records of a process that has neither a table
// nor a state file for them: one store per process, so that the scans and
// the routes of `cloudscope serve` see the same anomalies.
var processRecords = sync.OnceValue(func() kv.Store { return kv.NewMemory(nil) })

// Anomalies is the spend anomalies' service: its records where Records
// keeps them (local: the local CLI's, nil for the process's own), the
// changes priced by the Price List, and the scanning identity
// (sts:GetCallerIdentity, asked once) naming their partition.
func Anomalies(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *anomaly.Service {
	if local == nil {
		local = processRecords()
	}
	return anomaly.New(Records(conf, clients, local), Prices(conf, clients), onceAccount(callerAccount(clients)), anomaly.Options{Floors: conf.Anomaly})
}

// onceAccount asks lookup until it answers, then keeps the answer: the
// identity of a process's credentials does not change.
func onceAccount(lookup func(context.Context) (string, error)) func(context.Context) (string, error) {
	var mu sync.Mutex
	var account string
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if account != "" {
			return account, nil
		}
		a, err := lookup(ctx)
		if err == nil {
			account = a
		}
		return a, err
	}
}
