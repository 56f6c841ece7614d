// Command shard is the organization scan's unit of work, run by the state
// machine's Distributed Map once per item: one account's one region (or some
// of its types), stored as the scan's part.
package main

import (
	"github.com/cloudscope/cloudscope/shared/lambdaapp"
	"github.com/cloudscope/cloudscope/shared/services"
)

// main is the function's one call: its manifest's name (appconfig.Manifests)
// and its builder.
func main() { lambdaapp.Handle("shard", services.ShardHandler) }
