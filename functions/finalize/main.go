// Command finalize is the last state of the scan's state machine: the
// snapshot of every shard's part, the costs by account, the diff and one
// notification.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services/finalizestate"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/finalizestate, which links only what the function calls.
func main() { lambdaapp.Handle(finalizestate.Manifest, finalizestate.Handler) }
