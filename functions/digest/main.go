// Command digest is the Lambda function the weekly schedule invokes: the
// digest of the week's stored scans, published to the findings topic.
// Every scan runs on the state machine (functions/plan, shard, finalize).
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services/digestjob"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/digestjob, which links only what the function calls.
func main() { lambdaapp.Handle(digestjob.Manifest, digestjob.Handler) }
