// Package services builds each capability's service from the configuration
// and the AWS clients, the same way for the Lambda functions and for the
// local server, so that the two never drift apart.
package services

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// Discovery is the resource scanner.
func Discovery(conf appconfig.Config, clients *awsconf.Clients) *discovery.Scanner {
	return discovery.New(discovery.ClientsFrom(clients), conf.Discovery)
}

// Metrics is the CloudWatch reader.
func Metrics(conf appconfig.Config, clients *awsconf.Clients) *metrics.Fetcher {
	return metrics.New(metrics.ClientsFrom(clients), conf.Metrics)
}

// Costs is the Cost Explorer service, caching in the table when one is
// configured and in memory otherwise.
func Costs(conf appconfig.Config, clients *awsconf.Clients) *costs.Service {
	var cache costs.Cache
	if conf.Table != "" {
		cache = dynamostore.NewCostCache(clients.DynamoDB(), conf.Table, nil)
	}
	return costs.New(costs.ClientFrom(clients), cache, conf.Costs)
}

// All is every service, for a server that answers every route.
func All(conf appconfig.Config, clients *awsconf.Clients) httpapi.Deps {
	return httpapi.Deps{
		Discovery: Discovery(conf, clients),
		Metrics:   Metrics(conf, clients),
		Costs:     Costs(conf, clients),
	}
}
