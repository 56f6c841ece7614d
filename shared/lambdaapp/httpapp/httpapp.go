// Package httpapp starts a cloudscope HTTP API Lambda function: the API's
// routes (shared/httpapi) behind API Gateway (shared/apigw), over the
// services its builder builds. The functions that events invoke start with
// shared/lambdaapp alone and link no API.
package httpapp

import (
	"log/slog"

	"github.com/cloudscope/cloudscope/shared/apigw"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
)

// Serve runs HTTP API function m: services builds the services behind its
// routes.
func Serve(m appconfig.Manifest, services func(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error)) {
	lambdaapp.Handle(m, func(conf appconfig.Config, clients *awsconf.Clients, log *slog.Logger) (any, error) {
		deps, err := services(conf, clients)
		if err != nil {
			return nil, err
		}
		deps.Logger = log
		return apigw.Handler(httpapi.New(deps)), nil
	})
}
