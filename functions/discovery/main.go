// Command discovery is the Lambda function behind GET /regions and GET
// /resources (from the stored inventory, or live on request).
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Serve("discovery", services.DiscoveryAPI) }
