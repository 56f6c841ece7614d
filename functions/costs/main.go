// Command costs is the Lambda function behind GET /costs, GET
// /costs/forecast and GET /anomalies.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Serve("costs", services.CostsAPI) }
