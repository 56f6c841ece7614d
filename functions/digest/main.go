// Command digest is the Lambda function the weekly schedule invokes: the
// digest of the week's stored scans, published to the findings topic.
// Every scan runs on the state machine (functions/plan, shard, finalize).
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Handle("digest", services.DigestHandler) }
