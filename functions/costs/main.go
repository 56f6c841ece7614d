// Command costs is the Lambda function behind GET /costs,
// GET /costs/forecast and GET /anomalies. It only wires; lambdaapp builds everything once per
// cold start.
package main

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

func main() {
	lambdaapp.Serve("costs", func(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
		return httpapi.Deps{Costs: services.Costs(conf, clients, nil), Anomalies: services.Anomalies(conf, clients, nil)}, nil
	})
}
