// Command discovery is the Lambda function behind GET /regions and GET
// /resources (from the stored inventory, or live on request).
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp/httpapp"
	"github.com/cloudscope/cloudscope/shared/services/discoveryapi"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/discoveryapi, which links only what the function calls.
func main() { httpapp.Serve(discoveryapi.Manifest, discoveryapi.API) }
