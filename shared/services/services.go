// Package services builds each capability's service from the configuration
// and the AWS clients, the same way for the Lambda functions and for the
// local server, so that the two never drift apart.
package services

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// Discovery is the resource scanner.
func Discovery(conf appconfig.Config, clients *awsconf.Clients) *discovery.Discoverer {
	return discovery.New(discovery.ClientsFrom(clients), conf.Discovery)
}

// Regions checks region names against the account's enabled regions, for
// a function that takes region names but discovers nothing (its list is
// cached, so the check costs one DescribeRegions call per cold start).
func Regions(conf appconfig.Config, clients *awsconf.Clients) httpapi.Regions {
	return Discovery(conf, clients)
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

// All is every service, for a server that answers every route; start runs
// a scan in the background.
func All(conf appconfig.Config, clients *awsconf.Clients, start func(sc *scan.Scanner) func(context.Context, string) error) httpapi.Deps {
	costSvc := Costs(conf, clients) // one cache for the cost routes and the scans
	disc := Discovery(conf, clients)
	store := Store(conf, clients) // one history for the reads and the scans
	return httpapi.Deps{
		Discovery:   disc,
		Inventory:   Inventory(conf, store, disc),
		Metrics:     Metrics(conf, clients),
		Costs:       costSvc,
		Bottlenecks: BottlenecksIn(conf, clients, store, costSvc, start),
		Regions:     disc, // one region list for every route
	}
}

// Inventory answers GET /resources from the store's newest scan, or from
// discovery now when asked (source=live) or when no scan is stored.
func Inventory(conf appconfig.Config, store scan.Store, disc *discovery.Discoverer) *inventory.Service {
	src, _ := store.(inventory.Source) // every store is one; nil reads live only
	return inventory.New(src, disc, inventory.Options{Reuse: conf.LiveReuse})
}

// Store is where snapshots live: the table when one is configured, else
// process memory (history lasts as long as the process).
func Store(conf appconfig.Config, clients *awsconf.Clients) scan.Store {
	if conf.Table != "" {
		return dynamostore.NewSnapshotStore(clients.DynamoDB(), conf.Table, conf.Retention, nil)
	}
	return memstore.New()
}

// Scanner runs full scans with every capability, the store and, when a
// topic is configured, the notifier.
func Scanner(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, progress func(scan.Progress)) *scan.Scanner {
	d := conf.Discovery
	d.Budget = 10 * time.Minute // the scan function's timeout leaves room after this
	deps := scan.Deps{
		Discovery:  discovery.New(discovery.ClientsFrom(clients), d),
		Metrics:    Metrics(conf, clients),
		Costs:      costSvc,
		Store:      store,
		Thresholds: conf.Thresholds,
		Progress:   progress,
	}
	if conf.TopicARN != "" {
		deps.Notifier = snsnotify.New(clients.SNS(arnRegion(conf.TopicARN, clients.DefaultRegion())), conf.TopicARN)
	}
	return scan.New(deps)
}

// arnRegion is the region field of an ARN, or def.
func arnRegion(arn, def string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	return def
}

// Bottlenecks serves the bottleneck, snapshot and scan routes; start runs
// a scan in the background.
func Bottlenecks(conf appconfig.Config, clients *awsconf.Clients, costSvc *costs.Service, start func(sc *scan.Scanner) func(context.Context, string) error) *scan.Service {
	return BottlenecksIn(conf, clients, Store(conf, clients), costSvc, start)
}

// BottlenecksIn is Bottlenecks over a given store.
func BottlenecksIn(conf appconfig.Config, clients *awsconf.Clients, store scan.Store, costSvc *costs.Service, start func(sc *scan.Scanner) func(context.Context, string) error) *scan.Service {
	sc := Scanner(conf, clients, store, costSvc, nil)
	return &scan.Service{Scanner: sc, Store: store, Start: start(sc)}
}

// InvokeScanFunction starts a scan by invoking the scan function
// asynchronously, so that POST /scans answers at once.
func InvokeScanFunction(clients *awsconf.Clients, function string) func(context.Context, string) error {
	return func(ctx context.Context, id string) error {
		payload, _ := json.Marshal(map[string]string{"scan_id": id})
		_, err := clients.Lambda(clients.DefaultRegion()).Invoke(ctx, &lambda.InvokeInput{
			FunctionName: aws.String(function), InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload,
		})
		if err != nil {
			return awserr.Wrap(err, "lambda Invoke of the scan function")
		}
		return nil
	}
}
