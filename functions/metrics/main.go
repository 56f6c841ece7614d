// Command metrics is the Lambda function behind GET /metrics. It only wires;
// lambdaapp builds everything once per cold start.
package main

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

func main() {
	lambdaapp.Serve("metrics", func(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
		return httpapi.Deps{Metrics: services.Metrics(conf, clients), Regions: services.Regions(conf, clients),
			MemberMetrics: services.MemberMetrics(conf, clients)}, nil
	})
}
