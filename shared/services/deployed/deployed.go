// Package deployed lists the deployed Lambda functions' manifests, each
// declared beside its builder (shared/services/<name>api, digestjob,
// <name>state), for the CDK stack and the tests that range over them. A
// function imports only its own package, never this one: it links only
// what its own builder calls.
package deployed

import (
	"slices"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/services/bottlenecksapi"
	"github.com/cloudscope/cloudscope/shared/services/costsapi"
	"github.com/cloudscope/cloudscope/shared/services/digestjob"
	"github.com/cloudscope/cloudscope/shared/services/discoveryapi"
	"github.com/cloudscope/cloudscope/shared/services/finalizestate"
	"github.com/cloudscope/cloudscope/shared/services/metricsapi"
	"github.com/cloudscope/cloudscope/shared/services/planstate"
	"github.com/cloudscope/cloudscope/shared/services/shardstate"
)

// Manifests are the deployed functions, one per folder of functions/ (a
// test holds them equal): the four API functions, the digest, and the
// scan's states (plan, shard, finalize), which run every scan, of one
// account or many. Adding a route is adding it to its
// function's Routes (and to the OpenAPI document); adding a grant, to its
// Grants.
var Manifests = []appconfig.Manifest{
	discoveryapi.Manifest,
	metricsapi.Manifest,
	costsapi.Manifest,
	bottlenecksapi.Manifest,
	digestjob.Manifest,
	planstate.Manifest,
	shardstate.Manifest,
	finalizestate.Manifest,
}

// ManifestOf is the manifest of function name (a folder of functions/).
func ManifestOf(name string) (appconfig.Manifest, bool) {
	i := slices.IndexFunc(Manifests, func(m appconfig.Manifest) bool { return m.Name == name })
	if i < 0 {
		return appconfig.Manifest{}, false
	}
	return Manifests[i], true
}
