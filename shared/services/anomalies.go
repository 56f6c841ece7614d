package services

import (
	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// Anomalies is the spend anomalies' service: its records where Records
// keeps them (local: the local CLI's; nil: the process's own), the
// changes priced by the Price List, and the scanning identity
// (sts:GetCallerIdentity, asked once) naming their partition.
func Anomalies(conf appconfig.Config, clients *awsconf.Clients, local kv.Store) *anomaly.Service {
	return anomalies(conf, clients, local, Prices(conf, clients))
}

// anomalies is Anomalies pricing through prices: a scan passes its own
// client, so one Price List cache serves its savings and its anomalies.
func anomalies(conf appconfig.Config, clients *awsconf.Clients, local kv.Store, prices anomaly.Prices) *anomaly.Service {
	return anomaly.New(Records(conf, clients, local), prices, onceAccount(callerAccount(clients)), anomaly.Options{Floors: conf.Anomaly})
}
