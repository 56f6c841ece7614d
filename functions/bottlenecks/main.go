// Command bottlenecks is the Lambda function behind GET /bottlenecks, GET
// /snapshots..., GET /savings (the ledger of savings realized), POST /scans
// (which starts the scan's state machine) and GET /scans/{id}.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp/httpapp"
	"github.com/cloudscope/cloudscope/shared/services/bottlenecksapi"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/bottlenecksapi, which links only what the function calls.
func main() { httpapp.Serve(bottlenecksapi.Manifest, bottlenecksapi.API) }
