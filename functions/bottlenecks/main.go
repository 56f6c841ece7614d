// Command bottlenecks is the Lambda function behind GET /bottlenecks, GET
// /snapshots..., GET /savings (the ledger of savings realized), POST /scans
// (which starts the scan's state machine) and GET /scans/{id}.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services/bottlenecksapi"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Serve("bottlenecks", bottlenecksapi.API) }
