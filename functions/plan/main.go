// Command plan is the first state of the scan's state machine: it
// lists the scan's shards (accounts by enabled regions) and writes them to
// the plan bucket, where the Distributed Map reads them.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services/planstate"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/planstate, which links only what the function calls.
func main() { lambdaapp.Handle(planstate.Manifest, planstate.Handler) }
