// Command finalize is the last state of the organization scan's state machine: the
// snapshot of every shard's part, the costs by account, the diff and one
// notification.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Handle("finalize", services.FinalizeHandler) }
