// Package lambdaapp starts a cloudscope Lambda function: once per cold start
// it reads the configuration, checks that the function's required settings
// are there (its manifest), builds the AWS clients and the logger, lets the
// function's builder build its handler, and hands it to the Lambda runtime.
// Each functions/<name>/main.go is a call to Handle (or, for an HTTP API
// function, to shared/lambdaapp/httpapp's Serve) with its manifest and its
// builder; it imports neither the API nor any capability, so that a
// function links only what its builder uses. A start that cannot go on
// logs why, reports it to the runtime as the init error (so that the
// invocation's answer says it too) and exits.
package lambdaapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// Handle runs function m, whose handler build returns (any handler that
// lambda.Start takes).
func Handle(m appconfig.Manifest, build func(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) (any, error)) {
	// Level and format come from the function's logging configuration
	// (AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT); records carry the request id.
	log := lambdacontext.NewLogger()
	conf, err := Configure(m, os.Getenv)
	if err != nil {
		fail(log, "bad configuration", err)
	}
	cfg, err := awsconf.FromEnvironment(os.Getenv, awsconf.Options{})
	if err != nil {
		fail(log, "AWS configuration", err)
	}
	handler, err := build(conf, awsconf.NewClients(cfg), log)
	if err != nil {
		fail(log, "start", err)
	}
	lambda.Start(handler)
}

// Configure reads function m's configuration through getenv and checks
// that every setting it requires is set.
func Configure(m appconfig.Manifest, getenv func(string) string) (appconfig.Config, error) {
	if err := appconfig.Require(m, getenv); err != nil {
		return appconfig.Config{}, err
	}
	return appconfig.From(getenv)
}

func fail(log *slog.Logger, what string, err error) {
	log.Error(what, "error", err)
	if rerr := reportInitError(os.Getenv("AWS_LAMBDA_RUNTIME_API"), what+": "+err.Error()); rerr != nil {
		log.Warn("could not report the init error to the runtime", "error", rerr)
	}
	os.Exit(1)
}

// reportInitError tells the Lambda Runtime API at api (host:port) why the
// function could not start, so that the invocation's error answer carries
// the message, not only "Runtime exited with error". aws-lambda-go reports
// no init errors of its own.
func reportInitError(api, message string) error {
	if api == "" {
		return nil // not under a Lambda runtime
	}
	body, _ := json.Marshal(map[string]string{"errorMessage": message, "errorType": initErrorType})
	req, err := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", initErrorType)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the runtime API answered %s", resp.Status)
	}
	return nil
}

// initErrorType is the error type of a failed start, in the Runtime API's
// recommended <category>.<reason> form.
const initErrorType = "Runtime.ConfigInvalid"
