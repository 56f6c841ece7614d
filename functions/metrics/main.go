// Command metrics is the Lambda function behind GET /metrics.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp/httpapp"
	"github.com/cloudscope/cloudscope/shared/services/metricsapi"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/metricsapi, which links only what the function calls.
func main() { httpapp.Serve(metricsapi.Manifest, metricsapi.API) }
