// Command costs is the Lambda function behind GET /costs, GET
// /costs/forecast and GET /anomalies.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp/httpapp"
	"github.com/cloudscope/cloudscope/shared/services/costsapi"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/costsapi, which links only what the function calls.
func main() { httpapp.Serve(costsapi.Manifest, costsapi.API) }
