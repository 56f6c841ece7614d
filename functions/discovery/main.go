// Command discovery is the Lambda function behind GET /regions and
// GET /resources (from the stored inventory, or live on request). It only wires; lambdaapp builds everything once per cold start.
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
		store, err := services.Store(conf, clients, nil)
		if err != nil {
			return httpapi.Deps{}, err
		}
		return httpapi.Deps{Discovery: d, Inventory: services.Inventory(conf, store, d), Regions: d}, nil
	})
}
