// Command metrics is the Lambda function behind GET /metrics. It only wires:
// configuration and clients are built once per cold start, then every request
// runs the shared HTTP API.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cloudscope/cloudscope/shared/apigw"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

func main() {
	ctx := context.Background()
	log := lambdacontext.NewLogger() // level and format from the function's logging configuration
	conf, err := appconfig.FromEnv()
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	cfg, err := awsconf.Load(ctx, awsconf.Options{})
	if err != nil {
		log.Error("AWS configuration", "error", err)
		os.Exit(1)
	}
	fetcher := metrics.New(metrics.ClientsFrom(awsconf.NewClients(cfg)), conf.Metrics)
	api := httpapi.New(httpapi.Deps{Metrics: fetcher, Logger: log})
	lambda.Start(apigw.Handler(api))
}
