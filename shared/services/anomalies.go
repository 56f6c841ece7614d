package services

import (
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
// keeps them, the changes priced by the Price List, and the scanning
// identity (sts:GetCallerIdentity) naming their partition.
func Anomalies(conf appconfig.Config, clients *awsconf.Clients) *anomaly.Service {
	return anomaly.New(Records(conf, clients, processRecords()), Prices(conf, clients), callerAccount(clients), anomaly.Options{Floors: conf.Anomaly})
}
