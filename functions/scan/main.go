// Command scan is the Lambda function the daily EventBridge schedule and POST
// /scans invoke: a full scan, a snapshot, a notification of what is new.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services/scanjob"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/scanjob, which links only what the function calls.
func main() { lambdaapp.Handle(scanjob.Manifest, scanjob.Handler) }
