// Command metrics is the Lambda function behind GET /metrics.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Serve("metrics", services.MetricsAPI) }
