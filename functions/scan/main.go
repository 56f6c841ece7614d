// Command scan is the Lambda function the daily EventBridge schedule and POST
// /scans invoke: a full scan, a snapshot, a notification of what is new.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Handle("scan", services.ScanHandler) }
