package services

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
)

// The builders of the deployed functions, one per manifest
// (appconfig.Manifests): each functions/<name>/main.go hands its own to
// shared/lambdaapp, which calls it once per cold start with the checked
// configuration and the AWS clients. An API function's builder returns the
// services behind its routes; an event function's, its handler.

// DiscoveryAPI serves GET /regions and GET /resources (from the stored
// inventory, or live on request).
func DiscoveryAPI(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	d := Discovery(conf, clients)
	store, err := Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return httpapi.Deps{}, err
	}
	return httpapi.Deps{Discovery: d, Inventory: Inventory(conf, store, d), Regions: d}, nil
}

// MetricsAPI serves GET /metrics.
func MetricsAPI(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	return httpapi.Deps{Metrics: Metrics(conf, clients), Regions: Regions(conf, clients), MemberMetrics: MemberMetrics(conf, clients)}, nil
}

// CostsAPI serves GET /costs, GET /costs/forecast and GET /anomalies.
func CostsAPI(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	return httpapi.Deps{Costs: Costs(conf, clients, nil), Anomalies: Anomalies(conf, clients, nil)}, nil
}

// DigestHandler is the digest function's: the weekly digest of the stored
// scans, its step logged. It scans nothing (every scan is the state
// machine's: PlanHandler, ShardHandler, FinalizeHandler).
func DigestHandler(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) (any, error) {
	store, err := Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return nil, err
	}
	progress := func(p scan.Progress) { log.Info(p.Step, "detail", p.Detail) }
	return scanapp.DigestHandler(Scanner(conf, clients, store, Costs(conf, clients, nil), nil, progress)), nil
}

// PlanHandler is every scan's first state: it writes the scan's
// shards to the plan bucket.
func PlanHandler(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
	engine, err := organizationStates(conf, clients)
	if err != nil {
		return nil, err
	}
	return scanapp.PlanHandler(engine, PlanItems(conf, clients)), nil
}

// ShardHandler is every scan's unit of work: one shard, stored as the
// scan's part.
func ShardHandler(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
	engine, err := organizationStates(conf, clients)
	if err != nil {
		return nil, err
	}
	return scanapp.ShardHandler(engine), nil
}

// FinalizeHandler is every scan's last state: the snapshot of the
// parts, the costs (by account; by service for one account), the diff and one notification.
func FinalizeHandler(conf appconfig.Config, clients *awsconf.Clients, _ *slog.Logger) (any, error) {
	engine, err := organizationStates(conf, clients)
	if err != nil {
		return nil, err
	}
	return scanapp.FinalizeHandler(engine), nil
}

// organizationStates is the scan's engine over the table.
func organizationStates(conf appconfig.Config, clients *awsconf.Clients) (scanapp.States, error) {
	store, err := Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return nil, err
	}
	return OrganizationStates(conf, clients, store)
}
