package services

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/fleetapp"
	"github.com/cloudscope/cloudscope/shared/s3items"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
)

// FleetEngine is the sharded scan's engine for the plan, shard and finalize
// functions: the table keeps the parts, and the costs go through its cache.
func FleetEngine(conf appconfig.Config, clients *awsconf.Clients, store StateStore) (fleetapp.Engine, error) {
	parts, err := PartStore(store)
	if err != nil {
		return nil, err
	}
	return Fleet(conf, clients, store, parts, Costs(conf, clients, nil), nil, nil), nil
}

// PlanItems writes the plan to the plan bucket, for the state machine's
// Distributed Map to read.
func PlanItems(conf appconfig.Config, clients *awsconf.Clients) *s3items.Writer {
	return s3items.New(clients.S3(clients.DefaultRegion()), conf.PlanBucket)
}

// StartStateMachine starts scans as executions of the sharded scan's state
// machine, so that POST /scans answers at once.
func StartStateMachine(clients *awsconf.Clients, stateMachine string) func(context.Context, string) error {
	return sfnstart.New(sfn.NewFromConfig(clients.Config()), stateMachine).Start
}
