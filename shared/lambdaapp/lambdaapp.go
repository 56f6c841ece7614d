// Package lambdaapp starts a cloudscope Lambda function: once per cold start
// it reads the configuration, builds the AWS clients and the logger, lets the
// function pick the services it serves, and hands the HTTP API to the Lambda
// runtime. Each functions/<name>/main.go is a call to Serve.
package lambdaapp

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cloudscope/cloudscope/shared/apigw"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
)

// Serve runs an HTTP API function: services builds the services behind its
// routes. A bad configuration stops the cold start with a logged reason.
func Serve(services func(conf appconfig.Config, clients *awsconf.Clients) httpapi.Deps) {
	Handle(func(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) any {
		deps := services(conf, clients)
		deps.Logger = log
		return apigw.Handler(httpapi.New(deps))
	})
}

// Handle runs a function whose handler build returns (any handler that
// lambda.Start takes).
func Handle(build func(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) any) {
	// Level and format come from the function's logging configuration
	// (AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT); records carry the request id.
	log := lambdacontext.NewLogger()
	conf, err := appconfig.FromEnv()
	if err != nil {
		fail(log, "bad configuration", err)
	}
	cfg, err := awsconf.Load(context.Background(), awsconf.Options{})
	if err != nil {
		fail(log, "AWS configuration", err)
	}
	lambda.Start(build(conf, awsconf.NewClients(cfg), log))
}

func fail(log *slog.Logger, what string, err error) {
	log.Error(what, "error", err)
	os.Exit(1)
}
