package resourcequery

import (
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Options tune a Discoverer. The zero value gives the defaults.
type Options struct {
	// Concurrency bounds the AWS calls in flight at once (default 64). Each
	// region and service pair has its own AWS rate limit, so the default lets a
	// scan of every region and service proceed at once without crowding any one limit.
	Concurrency int
	// Page sizes per list call; the defaults are each API's maximum, so a scan
	// makes as few calls as the account allows. Tests lower them to force paging.
	EC2PageSize    int32 // DescribeInstances MaxResults, 5..1000 (default 1000)
	RDSPageSize    int32 // DescribeDBInstances MaxRecords, 20..100 (default 100)
	LambdaPageSize int32 // ListFunctions MaxItems, 1..50 (default 50)
	// S3PageSize is ListBuckets' MaxBuckets, 1..10000 (default 10000). Asking
	// for a page size is also what makes S3 return each bucket's region.
	S3PageSize       int32
	VolumePageSize   int32 // DescribeVolumes MaxResults, 5..500 (default 500)
	SnapshotPageSize int32 // DescribeSnapshots MaxResults, 5..1000 (default 1000)
	ImagePageSize    int32 // DescribeImages MaxResults, 1..1000 (default 1000)
	NATPageSize      int32 // DescribeNatGateways MaxResults, 5..1000 (default 1000)
	// ELBPageSize is the PageSize of both DescribeLoadBalancers and of
	// DescribeTargetGroups, 1..400 (default 400).
	ELBPageSize      int32
	DynamoDBPageSize int32 // ListTables Limit, 1..100 (default 100)
	// RegionCacheTTL is how long the list of enabled regions is reused (default 1h).
	RegionCacheTTL time.Duration
	// Budget bounds a whole discovery (default 25s, inside API Gateway's 30 s
	// limit). Lists not finished by then are reported as timed out in
	// Inventory.Errors beside everything that was read.
	Budget time.Duration
	// RetryPause is the wait before the second pass, which lists once more
	// what failed for a passing reason (default 2s, inside the Budget).
	RetryPause time.Duration
	// Now is the clock, for tests.
	Now func() time.Time
	// Regions limits a query that names no regions (a scan's) to these of
	// the enabled regions (default: every enabled region). A query that
	// names its regions reads those.
	Regions RegionFilter
}

// Query selects what to discover. Empty fields mean everything.
type Query struct {
	Regions []string
	Types   []cloudscope.ResourceType
}

// Inventory is the result of a discovery: every resource that could be read,
// the regions covered, and what could not be read.
type Inventory struct {
	Regions   []string              `json:"regions"`
	Resources []cloudscope.Resource `json:"resources"`
	Errors    []cloudscope.Failure  `json:"errors"`
	// Calls counts the AWS API requests made, retries excluded.
	Calls int64 `json:"-"`
	// Listed counts the listings that succeeded (one type in one region, or
	// the bucket list): none with errors means nothing could be read.
	Listed int64 `json:"-"`
}

// measured holds each resource type's Measured predicate, which shared/discovery
// registers with each type (see Measured).
var measured = map[cloudscope.ResourceType]func(cloudscope.Resource) bool{}

// RegisterMeasured records which of type t's resources the scan reads
// metrics for; shared/discovery calls it as it registers each type, before
// any init function runs.
func RegisterMeasured(t cloudscope.ResourceType, f func(cloudscope.Resource) bool) { measured[t] = f }

// Measured reports whether the scan reads r's metrics: whether a rule can
// judge r by them (its type's Measured in shared/discovery, which a binary
// that discovers links and so registers).
func Measured(r cloudscope.Resource) bool {
	f := measured[r.Type]
	return f != nil && f(r)
}
