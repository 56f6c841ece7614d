// Package resourcetypes describes each kind of AWS resource cloudscope
// discovers, as data every other part derives from: its name and labels, the
// shape of its ids, the CloudWatch metrics it publishes with their finest
// period, and what the dashboard offers for it. It imports nothing, so the
// domain, the metrics reader, the notifications and the page can all use it
// without linking an AWS client.
//
// The descriptors are written one file per type in shared/discovery (beside
// each type's lister, which needs the AWS SDK); All is generated from them
// by `go generate ./shared/resourcetypes` (make generate), which also writes
// the page's copy, the OpenAPI enum and the README's table. Tests fail when
// any of these disagrees with the descriptors.
package resourcetypes

//go:generate go run ../../cmd/typegen -root ../..

// Descriptor is everything about one resource type that is data.
type Descriptor struct {
	// Order is the type's place in the stored order: stores key a type's
	// chunks by it, so a type keeps its number and a new type takes the next.
	Order int
	// Name is the type's name in the API, the stored records and the page ("ebs").
	Name string
	// Label names one resource of the type for people ("EBS volume"), in
	// notifications and the page's table.
	Label string
	// Plural names the type in lists and the page's filters ("EBS volumes").
	Plural string
	// Summary says in a few words what is listed, for the API's description
	// and the README ("EBS snapshots the account owns").
	Summary string
	// CostService is the Cost Explorer service (SERVICE dimension) that bills
	// the type's hours: "EC2 - Other" carries EBS volumes and snapshots and
	// NAT gateway hours; public IPv4 addresses bill under Amazon Virtual
	// Private Cloud since February 2024.
	CostService string
	// ID is the shape of the type's resource ids.
	ID IDShape
	// Floor is the finest period, in seconds, chosen automatically for its
	// metrics (AWS's publishing interval); zero for a type without metrics.
	Floor int32
	// Metrics are the CloudWatch metrics read for one resource, in output order.
	Metrics []Metric
	// States are the states the page's state filter offers for the type.
	States []string
}

// IDShape is the form of a type's resource ids, as AWS documents them.
type IDShape struct {
	// Pattern is a regular expression (RE2) a whole id matches.
	Pattern string
	// What describes a valid id for an error message ("an instance id such as i-0123456789abcdef0").
	What string
}

// Metric is one CloudWatch metric that cloudscope reads for a resource type.
type Metric struct {
	Namespace string
	Name      string
	// Dimension names the dimension whose value is the resource id.
	Dimension string
	// Fixed are further dimensions with fixed values (S3's StorageType).
	Fixed map[string]string
	Stats []string
	Unit  string
	// MinPeriod is the coarsest resolution AWS publishes the metric at, in
	// seconds: S3's storage metrics are daily. Zero means the window's period.
	MinPeriod int32
	// BurstableOnly marks metrics that only T-family instances publish.
	BurstableOnly bool
	// Kind, when set, keeps the metric to the load balancers of that kind
	// (application, network, classic): each kind publishes in its own namespace.
	Kind string
	// Why says what the metric tells.
	Why string
	// RuleStats are statistics that only the scan's rules read (a
	// Request with ForRules): charts leave them out.
	RuleStats []string
	// RuleOnly marks a metric that only the scan's rules read.
	RuleOnly bool
}

// Of returns the descriptor of the type named name.
func Of(name string) (Descriptor, bool) {
	for _, d := range All {
		if d.Name == name {
			return d, true
		}
	}
	return Descriptor{}, false
}

// Names lists the type names in the stored order.
func Names() []string {
	out := make([]string, len(All))
	for i, d := range All {
		out[i] = d.Name
	}
	return out
}

// HasMetrics reports whether the type publishes CloudWatch metrics cloudscope reads.
func (d Descriptor) HasMetrics() bool { return len(d.Metrics) > 0 }
