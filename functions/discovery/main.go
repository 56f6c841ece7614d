// Command discovery is the Lambda function behind GET /regions and
// GET /resources. It only wires: configuration and clients are built once per
// cold start, then every request runs the shared HTTP API.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cloudscope/cloudscope/shared/apigw"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/httpapi"
)

func main() {
	ctx := context.Background()
	// Level and format come from the function's logging configuration
	// (AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT); each record carries the request id.
	log := lambdacontext.NewLogger()
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
	scanner := discovery.New(discovery.ClientsFrom(awsconf.NewClients(cfg)), conf.Discovery)
	api := httpapi.New(httpapi.Deps{Discovery: scanner, Logger: log})
	lambda.Start(apigw.Handler(api))
}
