package metricquery

import (
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// Definition is one CloudWatch metric that cloudscope reads for a resource
// type, as the type's descriptor lists it.
type Definition = resourcetypes.Metric

// Catalogue lists the metrics read for each resource type, in output order:
// each type's descriptor's (shared/discovery/<type>.go). Types without
// metrics have no entry.
var Catalogue = func() map[cloudscope.ResourceType][]Definition {
	out := map[cloudscope.ResourceType][]Definition{}
	for _, d := range resourcetypes.All {
		if d.HasMetrics() {
			out[cloudscope.ResourceType(d.Name)] = d.Metrics
		}
	}
	return out
}()

// LoadBalancerKind tells a load balancer's kind from its id as discovery
// gives it: "app/...", "net/...", "gwy/..." (the ARN's suffix), or a classic
// load balancer's name.
func LoadBalancerKind(id string) string {
	switch {
	case strings.HasPrefix(id, "app/"):
		return "application"
	case strings.HasPrefix(id, "net/"):
		return "network"
	case strings.HasPrefix(id, "gwy/"):
		return "gateway"
	}
	return "classic"
}

// IAMActions lists every IAM action the metrics package calls.
var IAMActions = []string{"cloudwatch:GetMetricData"}

// Floor is the finest period chosen automatically for each type, its
// descriptor's: AWS's publishing interval (EC2's basic monitoring every 5
// minutes, a finer period would draw gaps; S3's storage metrics once a day;
// most others every minute). Types without metrics have none.
var Floor = func() map[cloudscope.ResourceType]int32 {
	out := map[cloudscope.ResourceType]int32{}
	for _, d := range resourcetypes.All {
		if d.Floor > 0 {
			out[cloudscope.ResourceType(d.Name)] = d.Floor
		}
	}
	return out
}()
