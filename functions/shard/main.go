// Command shard is the scan's unit of work, run by the state machine's
// Distributed Map once per item: one account's one region (or some of its
// types), stored as the scan's part; and, asked live by the bottlenecks
// function's live view, the same work answered with its part, nothing
// stored.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services/shardstate"
)

// main is the function's one call: its manifest and its builder, declared
// together in shared/services/shardstate, which links only what the function calls.
func main() { lambdaapp.Handle(shardstate.Manifest, shardstate.Handler) }
