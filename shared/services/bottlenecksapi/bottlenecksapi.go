// Package bottlenecksapi builds the bottlenecks function's services: the
// scan routes, whose POST /scans starts a scan in the background by
// invoking the scan function or by starting the organization scan's state
// machine. It is apart from shared/services so that no other function
// links the Step Functions client.
package bottlenecksapi

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/sfnclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/sfnstart"
)

// API serves GET /bottlenecks, the snapshots, POST /scans (which
// invokes the scan function asynchronously, or starts the organization scan's
// state machine), GET /scans/{id} and GET /savings.
func API(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
	store, err := services.Store(conf, clients, nil) // the table, or no start
	if err != nil {
		return httpapi.Deps{}, err
	}
	start := func(*scan.Scanner) func(context.Context, string) error {
		if conf.StateMachine != "" { // an organization scan, on Step Functions
			return StartStateMachine(clients, conf.StateMachine)
		}
		return InvokeScanFunction(clients, conf.ScanFunction)
	}
	return httpapi.Deps{Bottlenecks: services.Bottlenecks(conf, clients, store, services.Costs(conf, clients, nil), nil, start), Snapshots: services.SnapshotReads(store),
		Savings: services.Savings(conf, clients, nil), Regions: services.Regions(conf, clients)}, nil
}

// InvokeScanFunction starts a scan by invoking the scan function
// asynchronously, so that POST /scans answers at once.
func InvokeScanFunction(clients *awsconf.Clients, function string) func(context.Context, string) error {
	return func(ctx context.Context, id string) error {
		payload, _ := json.Marshal(map[string]string{"scan_id": id})
		_, err := lambdaclient.In(clients, clients.DefaultRegion()).Invoke(ctx, &lambda.InvokeInput{
			FunctionName: aws.String(function), InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload,
		})
		if err != nil {
			return awserr.Wrap(err, "lambda Invoke of the scan function")
		}
		return nil
	}
}

// StartStateMachine starts scans as executions of the organization scan's state
// machine, so that POST /scans answers at once.
func StartStateMachine(clients *awsconf.Clients, stateMachine string) func(context.Context, string) error {
	return sfnstart.New(sfnclient.Home(clients), stateMachine).Start
}
