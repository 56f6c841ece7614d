// Package cloudscope holds the domain types every other package speaks in:
// resources and their stored order, findings and severities, snapshots with
// their counts, outcome and diff, scan status, notification messages, exact
// money, partial-failure records, and the error codes that the HTTP boundary
// maps to statuses. It imports no AWS SDK package.
package cloudscope

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// ResourceType names a kind of AWS resource that cloudscope discovers.
type ResourceType string

// The names of the resource types the rules speak of. Each type is
// described in one file of shared/discovery, from which ResourceTypes is made.
const (
	EC2    ResourceType = "ec2"
	RDS    ResourceType = "rds"
	S3     ResourceType = "s3"
	Lambda ResourceType = "lambda"
)

// The resource types of the waste rules. Their descriptors place them after
// the four above: the stored order keys chunks by a type's index.
const (
	Volume       ResourceType = "ebs"          // EBS volumes
	VolumeBackup ResourceType = "ebs-snapshot" // EBS snapshots the account owns
	Address      ResourceType = "eip"          // Elastic IP addresses
	NATGateway   ResourceType = "nat"          // NAT gateways
	LoadBalancer ResourceType = "elb"          // application, network and classic load balancers
	Table        ResourceType = "dynamodb"     // DynamoDB tables
)

// ResourceTypes lists every supported type in the order output uses and
// stores keep (each type's descriptor, in shared/resourcetypes, says its place).
var ResourceTypes = func() []ResourceType {
	out := make([]ResourceType, len(resourcetypes.All))
	for i, d := range resourcetypes.All {
		out[i] = ResourceType(d.Name)
	}
	return out
}()

// Valid reports whether t is a supported resource type.
func (t ResourceType) Valid() bool { return slices.Contains(ResourceTypes, t) }

// Resource is one discovered resource. The fields shared by every type sit at
// the top; the type-specific ones live in exactly one of the detail structs.
type Resource struct {
	// AccountID is the AWS account the resource belongs to.
	AccountID string            `json:"account_id,omitempty"`
	Type      ResourceType      `json:"type"`
	ID        string            `json:"id"`
	Name      string            `json:"name,omitempty"`
	Region    string            `json:"region"`
	ARN       string            `json:"arn,omitempty"`
	State     string            `json:"state,omitempty"`
	CreatedAt *time.Time        `json:"created_at,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`

	EC2    *EC2Details    `json:"ec2,omitempty"`
	RDS    *RDSDetails    `json:"rds,omitempty"`
	Lambda *LambdaDetails `json:"lambda,omitempty"`

	Volume       *VolumeDetails       `json:"ebs,omitempty"`
	VolumeBackup *VolumeBackupDetails `json:"ebs_snapshot,omitempty"`
	Address      *AddressDetails      `json:"eip,omitempty"`
	NATGateway   *NATGatewayDetails   `json:"nat,omitempty"`
	LoadBalancer *LoadBalancerDetails `json:"elb,omitempty"`
	Table        *TableDetails        `json:"dynamodb,omitempty"`
}

// VolumeDetails are an EBS volume's fields.
type VolumeDetails struct {
	VolumeType       string `json:"volume_type"` // gp2, gp3, io1, io2, st1, sc1, standard
	SizeGB           int32  `json:"size_gb"`
	IOPS             int32  `json:"iops,omitempty"`
	ThroughputMBps   int32  `json:"throughput_mbps,omitempty"`
	AvailabilityZone string `json:"availability_zone,omitempty"`
	Encrypted        bool   `json:"encrypted"`
	// AttachedTo lists the instances the volume is attached to (none: unattached).
	AttachedTo []string `json:"attached_to"`
	// Boot reports whether the volume is an instance's root device.
	Boot bool `json:"boot,omitempty"`
}

// VolumeBackupDetails are an EBS snapshot's fields.
type VolumeBackupDetails struct {
	VolumeID string `json:"volume_id,omitempty"`
	SizeGB   int32  `json:"size_gb"`
	// StorageTier is "standard" or "archive".
	StorageTier string `json:"storage_tier,omitempty"`
	// VolumeExists reports whether the source volume still exists (nil: not known).
	VolumeExists *bool `json:"volume_exists,omitempty"`
	// Images lists the AMIs that use the snapshot.
	Images []string `json:"images"`
}

// AddressDetails are an Elastic IP address's fields.
type AddressDetails struct {
	PublicIP           string `json:"public_ip"`
	AllocationID       string `json:"allocation_id,omitempty"`
	AssociationID      string `json:"association_id,omitempty"`
	InstanceID         string `json:"instance_id,omitempty"`
	NetworkInterfaceID string `json:"network_interface_id,omitempty"`
	Domain             string `json:"domain,omitempty"` // vpc or standard
}

// NATGatewayDetails are a NAT gateway's fields.
type NATGatewayDetails struct {
	VpcID            string   `json:"vpc_id,omitempty"`
	SubnetID         string   `json:"subnet_id,omitempty"`
	ConnectivityType string   `json:"connectivity_type,omitempty"` // public or private
	PublicIPs        []string `json:"public_ips,omitempty"`
}

// LoadBalancerDetails are a load balancer's fields.
type LoadBalancerDetails struct {
	Kind    string `json:"kind"` // application, network, gateway or classic
	Scheme  string `json:"scheme,omitempty"`
	DNSName string `json:"dns_name,omitempty"`
	VpcID   string `json:"vpc_id,omitempty"`
	// Targets counts the registered targets, HealthyTargets those healthy
	// (for a classic load balancer, its instances in service).
	Targets        int `json:"targets"`
	HealthyTargets int `json:"healthy_targets"`
	// Zones counts its Availability Zones: an internet-facing load
	// balancer has a public IPv4 address in each.
	Zones int `json:"zones,omitempty"`
}

// TableDetails are a DynamoDB table's fields.
type TableDetails struct {
	BillingMode string `json:"billing_mode"` // PROVISIONED or PAY_PER_REQUEST
	// ReadCapacityUnits and WriteCapacityUnits are the provisioned capacity (0 on demand).
	ReadCapacityUnits  int64  `json:"read_capacity_units"`
	WriteCapacityUnits int64  `json:"write_capacity_units"`
	ItemCount          int64  `json:"item_count"`
	SizeBytes          int64  `json:"size_bytes"`
	TableClass         string `json:"table_class,omitempty"`
	// IndexReadCapacityUnits and IndexWriteCapacityUnits are the provisioned
	// capacity of its global secondary indexes, which bills apart.
	IndexReadCapacityUnits  int64 `json:"index_read_capacity_units,omitempty"`
	IndexWriteCapacityUnits int64 `json:"index_write_capacity_units,omitempty"`
}

// EC2Details are the instance fields that sizing and bottleneck rules need.
type EC2Details struct {
	InstanceType     string `json:"instance_type"`
	AvailabilityZone string `json:"availability_zone,omitempty"`
	Platform         string `json:"platform,omitempty"`
	Architecture     string `json:"architecture,omitempty"`
	// Tenancy is the placement tenancy: "default" (shared), "dedicated", "host".
	Tenancy string `json:"tenancy,omitempty"`
	// StateReason explains a stopped or terminated state, as EC2 reports it.
	StateReason string `json:"state_reason,omitempty"`
	// StoppedAt is when a stopped instance stopped, when EC2 says.
	StoppedAt *time.Time `json:"stopped_at,omitempty"`
}

// RDSDetails are the database instance fields.
type RDSDetails struct {
	InstanceClass      string `json:"instance_class"`
	Engine             string `json:"engine"`
	EngineVersion      string `json:"engine_version,omitempty"`
	AllocatedStorageGB int32  `json:"allocated_storage_gb"`
	StorageType        string `json:"storage_type,omitempty"`
	MultiAZ            bool   `json:"multi_az"`
	// LicenseModel is RDS's: "license-included", "bring-your-own-license",
	// "general-public-license", "postgresql-license".
	LicenseModel     string `json:"license_model,omitempty"`
	AvailabilityZone string `json:"availability_zone,omitempty"`
}

// LambdaDetails are the function configuration fields.
type LambdaDetails struct {
	Runtime        string     `json:"runtime,omitempty"`
	Architectures  []string   `json:"architectures"`
	MemoryMB       int32      `json:"memory_mb"`
	TimeoutSeconds int32      `json:"timeout_seconds"`
	PackageType    string     `json:"package_type,omitempty"`
	CodeSizeBytes  int64      `json:"code_size_bytes"`
	LastModified   *time.Time `json:"last_modified,omitempty"`
}

// CompareResources orders resources as every list shows them: by type (in
// ResourceTypes order), region, then id.
func CompareResources(a, b Resource) int {
	return cmp.Or(cmp.Compare(slices.Index(ResourceTypes, a.Type), slices.Index(ResourceTypes, b.Type)),
		cmp.Compare(a.Region, b.Region), cmp.Compare(a.ID, b.ID))
}

// CompareStored orders resources as the stores keep the inventory: by
// account, region, type (in ResourceTypes order), then id; a page in this
// order reads only the stored chunks it shows. A resource without an
// account (a one-account scan stored before accounts were recorded) sorts
// after those with one, as its group key does ("<region>#..." after
// "<account digits>#...").
func CompareStored(a, b Resource) int {
	if a.AccountID != b.AccountID && (a.AccountID == "" || b.AccountID == "") {
		return cmp.Compare(b.AccountID, a.AccountID) // the empty one last
	}
	return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Region, b.Region),
		cmp.Compare(slices.Index(ResourceTypes, a.Type), slices.Index(ResourceTypes, b.Type)), cmp.Compare(a.ID, b.ID))
}

// StoredGroup is the key a store keeps r's (account, region, type) group
// under: "<account>#<region>#<type index>", or "<region>#<type index>" for
// a resource without an account (the layout before accounts, which still
// reads). Keys sort as CompareStored orders the groups.
func StoredGroup(r Resource) string {
	if r.AccountID == "" {
		return fmt.Sprintf("%s#%02d", r.Region, slices.Index(ResourceTypes, r.Type))
	}
	return fmt.Sprintf("%s#%s#%02d", r.AccountID, r.Region, slices.Index(ResourceTypes, r.Type))
}

// StoredGroupRegion is the region of a group key StoredGroup made.
func StoredGroupRegion(key string) string {
	f := strings.Split(key, "#")
	if len(f) < 2 {
		return ""
	}
	return f[len(f)-2]
}

// StoredGroups yields resources in the stored order, one (account, region,
// type) group at a time, with the group's key for a store (StoredGroup).
func StoredGroups(rs []Resource) iter.Seq2[string, []Resource] {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, CompareStored)
	return func(yield func(string, []Resource) bool) {
		for i := 0; i < len(rs); {
			j := i
			for j < len(rs) && rs[j].AccountID == rs[i].AccountID && rs[j].Region == rs[i].Region && rs[j].Type == rs[i].Type {
				j++
			}
			if !yield(StoredGroup(rs[i]), rs[i:j]) {
				return
			}
			i = j
		}
	}
}

// ErrStop, returned by a callback that reads stored records, ends the read
// early without error: the reader has what it needs.
var ErrStop = errors.New("enough read")

// Region is an AWS region as discovery sees it.
type Region struct {
	Name string `json:"name"`
	// OptInStatus is "opt-in-not-required" or "opted-in" for enabled regions.
	OptInStatus string `json:"opt_in_status"`
}

// Failure records one region and service that could not be read, so that a
// response can carry everything else that succeeded.
type Failure struct {
	// AccountID is the account that could not be read ("" in a one-account scan).
	AccountID string `json:"account_id,omitempty"`
	Region    string `json:"region"`
	Service   string `json:"service"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	// Detail is AWS's own text, which can name roles and policies: for the
	// log only, never in a response.
	Detail string `json:"-"`
}

func (f Failure) String() string {
	return fmt.Sprintf("%s/%s: %s: %s", f.Region, f.Service, f.Code, f.Message)
}

// Global is the Region value of a failure that belongs to no region (S3's bucket list).
const Global = "global"

// regionName matches AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1.
var regionName = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)

// ValidRegionName reports whether name has the shape of an AWS region name.
// It says nothing of whether the region exists or is enabled.
func ValidRegionName(name string) bool { return len(name) <= 32 && regionName.MatchString(name) }
