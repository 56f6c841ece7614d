// Command discovery is the Lambda function behind GET /regions and
// GET /resources. It only wires; lambdaapp builds everything once per cold start.
package main

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

func main() {
	lambdaapp.Serve("discovery", func(conf appconfig.Config, clients *awsconf.Clients) (httpapi.Deps, error) {
		d := services.Discovery(conf, clients)
		return httpapi.Deps{Discovery: d, Regions: d}, nil
	})
}
