package metrics

import (
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Definition is one CloudWatch metric that cloudscope reads for a resource type.
type Definition struct {
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

// Catalogue lists the metrics read for each resource type, in output order.
var Catalogue = map[cloudscope.ResourceType][]Definition{
	cloudscope.EC2: {
		{Namespace: "AWS/EC2", Name: "CPUUtilization", Dimension: "InstanceId", Stats: []string{"Average", "Maximum"}, Unit: "Percent", RuleStats: []string{"p99"},
			Why: "processor load: sustained highs mean an undersized or hot instance, lows an oversized or idle one (its p99 is what rightsizing projects)"},
		{Namespace: "AWS/EC2", Name: "NetworkIn", Dimension: "InstanceId", Stats: []string{"Sum"}, Unit: "Bytes",
			Why: "traffic received; with NetworkOut, tells an idle instance from a quiet but busy one"},
		{Namespace: "AWS/EC2", Name: "NetworkOut", Dimension: "InstanceId", Stats: []string{"Sum"}, Unit: "Bytes",
			Why: "traffic sent"},
		{Namespace: "AWS/EC2", Name: "StatusCheckFailed", Dimension: "InstanceId", Stats: []string{"Maximum"}, Unit: "Count",
			Why: "1 when the instance or its host failed a status check"},
		{Namespace: "AWS/EC2", Name: "CPUCreditBalance", Dimension: "InstanceId", Stats: []string{"Minimum"}, Unit: "Count", BurstableOnly: true,
			Why: "burstable (T family) credits left: at zero the instance is throttled to its baseline"},
		{Namespace: "CWAgent", Name: "mem_used_percent", Dimension: "InstanceId", Stats: []string{"Maximum"}, Unit: "Percent", RuleOnly: true,
			Why: "memory used, published only by the CloudWatch agent (with the InstanceId dimension appended): rightsizing uses it where it exists"},
	},
	cloudscope.RDS: {
		{Namespace: "AWS/RDS", Name: "CPUUtilization", Dimension: "DBInstanceIdentifier", Stats: []string{"Average", "Maximum"}, Unit: "Percent", RuleStats: []string{"p99"},
			Why: "database processor load (its p99 is what rightsizing projects)"},
		{Namespace: "AWS/RDS", Name: "DatabaseConnections", Dimension: "DBInstanceIdentifier", Stats: []string{"Average", "Maximum"}, Unit: "Count",
			Why: "client connections: none for days means an idle database"},
		{Namespace: "AWS/RDS", Name: "FreeStorageSpace", Dimension: "DBInstanceIdentifier", Stats: []string{"Minimum"}, Unit: "Bytes",
			Why: "storage left: running out stops writes"},
		{Namespace: "AWS/RDS", Name: "FreeableMemory", Dimension: "DBInstanceIdentifier", Stats: []string{"Minimum"}, Unit: "Bytes",
			Why: "memory left: low values mean swapping and slow queries"},
		{Namespace: "AWS/RDS", Name: "ReadLatency", Dimension: "DBInstanceIdentifier", Stats: []string{"Average"}, Unit: "Seconds",
			Why: "time per disk read"},
		{Namespace: "AWS/RDS", Name: "WriteLatency", Dimension: "DBInstanceIdentifier", Stats: []string{"Average"}, Unit: "Seconds",
			Why: "time per disk write"},
	},
	cloudscope.Lambda: {
		{Namespace: "AWS/Lambda", Name: "Invocations", Dimension: "FunctionName", Stats: []string{"Sum"}, Unit: "Count",
			Why: "calls made"},
		{Namespace: "AWS/Lambda", Name: "Errors", Dimension: "FunctionName", Stats: []string{"Sum"}, Unit: "Count",
			Why: "calls that failed; with Invocations, the error rate"},
		{Namespace: "AWS/Lambda", Name: "Throttles", Dimension: "FunctionName", Stats: []string{"Sum"}, Unit: "Count",
			Why: "calls refused for lack of concurrency"},
		{Namespace: "AWS/Lambda", Name: "Duration", Dimension: "FunctionName", Stats: []string{"Average", "Maximum", "p99"}, Unit: "Milliseconds",
			Why: "run time: a p99 near the timeout means calls are about to time out"},
		{Namespace: "AWS/Lambda", Name: "ConcurrentExecutions", Dimension: "FunctionName", Stats: []string{"Maximum"}, Unit: "Count",
			Why: "calls running at once, against the account's or the function's limit"},
	},
	cloudscope.S3: {
		{Namespace: "AWS/S3", Name: "BucketSizeBytes", Dimension: "BucketName", Fixed: map[string]string{"StorageType": "StandardStorage"},
			Stats: []string{"Average"}, Unit: "Bytes", MinPeriod: 86400,
			Why: "bytes stored in the Standard class, reported once a day"},
		{Namespace: "AWS/S3", Name: "NumberOfObjects", Dimension: "BucketName", Fixed: map[string]string{"StorageType": "AllStorageTypes"},
			Stats: []string{"Average"}, Unit: "Count", MinPeriod: 86400,
			Why: "objects stored, reported once a day"},
	},
	// The waste types. The waste rules read these as sums per day; Elastic
	// IPs and snapshots publish no metrics.
	cloudscope.Volume: {
		{Namespace: "AWS/EBS", Name: "VolumeReadOps", Dimension: "VolumeId", Stats: []string{"Sum"}, Unit: "Count",
			Why: "read operations: with VolumeWriteOps, under 1 a day for a week means an unused volume (Trusted Advisor DAvU99Dc4C)"},
		{Namespace: "AWS/EBS", Name: "VolumeWriteOps", Dimension: "VolumeId", Stats: []string{"Sum"}, Unit: "Count",
			Why: "write operations"},
		{Namespace: "AWS/EBS", Name: "VolumeIdleTime", Dimension: "VolumeId", Stats: []string{"Sum"}, Unit: "Seconds",
			Why: "seconds with no read or write submitted"},
	},
	cloudscope.NATGateway: {
		{Namespace: "AWS/NATGateway", Name: "BytesOutToDestination", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
			Why: "bytes sent out through the gateway: none of the four byte counts in 30 days means an unused gateway"},
		{Namespace: "AWS/NATGateway", Name: "BytesOutToSource", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
			Why: "bytes sent back to the clients in the VPC"},
		{Namespace: "AWS/NATGateway", Name: "BytesInFromSource", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
			Why: "bytes received from the clients in the VPC"},
		{Namespace: "AWS/NATGateway", Name: "BytesInFromDestination", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
			Why: "bytes received back from the destinations"},
		{Namespace: "AWS/NATGateway", Name: "ActiveConnectionCount", Dimension: "NatGatewayId", Stats: []string{"Maximum"}, Unit: "Count",
			Why: "concurrent connections through the gateway"},
	},
	// A load balancer's metrics depend on its kind: the LoadBalancer
	// dimension is the ARN's suffix ("app/name/id", "net/name/id"), a
	// classic one's LoadBalancerName its name.
	cloudscope.LoadBalancer: {
		{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Dimension: "LoadBalancer", Stats: []string{"Sum"}, Unit: "Count", Kind: "application",
			Why: "requests served: under 100 a day for a week means an idle load balancer (Trusted Advisor hjLMh88uM8)"},
		{Namespace: "AWS/ApplicationELB", Name: "HealthyHostCount", Dimension: "LoadBalancer", Stats: []string{"Minimum", "Maximum"}, Unit: "Count", Kind: "application",
			Why: "healthy targets (AWS publishes it per target group too; by load balancer alone it may be absent)"},
		{Namespace: "AWS/NetworkELB", Name: "NewFlowCount", Dimension: "LoadBalancer", Stats: []string{"Sum"}, Unit: "Count", Kind: "network",
			Why: "new connections (flows): a network load balancer's requests"},
		{Namespace: "AWS/NetworkELB", Name: "ProcessedBytes", Dimension: "LoadBalancer", Stats: []string{"Sum"}, Unit: "Bytes", Kind: "network",
			Why: "bytes processed"},
		{Namespace: "AWS/ELB", Name: "RequestCount", Dimension: "LoadBalancerName", Stats: []string{"Sum"}, Unit: "Count", Kind: "classic",
			Why: "requests served by a classic load balancer"},
	},
	cloudscope.Table: {
		{Namespace: "AWS/DynamoDB", Name: "ConsumedReadCapacityUnits", Dimension: "TableName", Stats: []string{"Sum"}, Unit: "Count",
			Why: "read capacity used: against the provisioned capacity, how much of it is paid for and unused"},
		{Namespace: "AWS/DynamoDB", Name: "ConsumedWriteCapacityUnits", Dimension: "TableName", Stats: []string{"Sum"}, Unit: "Count",
			Why: "write capacity used"},
		{Namespace: "AWS/DynamoDB", Name: "ProvisionedReadCapacityUnits", Dimension: "TableName", Stats: []string{"Average"}, Unit: "Count",
			Why: "read capacity provisioned (per second)"},
		{Namespace: "AWS/DynamoDB", Name: "ProvisionedWriteCapacityUnits", Dimension: "TableName", Stats: []string{"Average"}, Unit: "Count",
			Why: "write capacity provisioned (per second)"},
		{Namespace: "AWS/DynamoDB", Name: "ThrottledRequests", Dimension: "TableName", Stats: []string{"Sum"}, Unit: "Count",
			Why: "requests refused for exceeding capacity (AWS publishes it per operation too)"},
	},
}

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

// Floor is the finest period chosen automatically for each type: EC2's basic
// monitoring publishes every 5 minutes (a finer period would draw gaps), RDS
// and Lambda every minute, S3's storage metrics once a day. Types without
// metrics have none.
var Floor = map[cloudscope.ResourceType]int32{
	cloudscope.EC2:    300,
	cloudscope.RDS:    60,
	cloudscope.Lambda: 60,
	cloudscope.S3:     86400,
	// EBS, NAT gateways, load balancers and DynamoDB's consumed capacity
	// publish every minute (DynamoDB's provisioned capacity every 5).
	cloudscope.Volume:       60,
	cloudscope.NATGateway:   60,
	cloudscope.LoadBalancer: 60,
	cloudscope.Table:        60,
}
