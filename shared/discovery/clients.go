package discovery

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// EC2API is the part of the EC2 client that discovery calls.
type EC2API interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
	ec2.DescribeInstancesAPIClient
}

// RDSAPI is the part of the RDS client that discovery calls.
type RDSAPI interface {
	rds.DescribeDBInstancesAPIClient
}

// LambdaAPI is the part of the Lambda client that discovery calls.
type LambdaAPI interface {
	lambda.ListFunctionsAPIClient
}

// S3API is the part of the S3 client that discovery calls.
type S3API interface {
	s3.ListBucketsAPIClient
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
}

// Clients hands discovery a client per service and region.
type Clients struct {
	EC2    func(region string) EC2API
	RDS    func(region string) RDSAPI
	Lambda func(region string) LambdaAPI
	S3     func(region string) S3API
	// HomeRegion is where global calls go (DescribeRegions, ListBuckets).
	HomeRegion string
}

// ClientsFrom adapts the shared AWS client set to discovery's interfaces.
func ClientsFrom(c *awsconf.Clients) Clients {
	return Clients{
		EC2:        func(r string) EC2API { return c.EC2(r) },
		RDS:        func(r string) RDSAPI { return c.RDS(r) },
		Lambda:     func(r string) LambdaAPI { return c.Lambda(r) },
		S3:         func(r string) S3API { return c.S3(r) },
		HomeRegion: c.DefaultRegion(),
	}
}

// IAMActions lists every IAM action discovery's code calls; the infrastructure
// grants exactly these, and the read-only policy for local use is built from them.
var IAMActions = append(slices.Clone(RegionsIAMActions),
	"ec2:DescribeInstances",
	"rds:DescribeDBInstances",
	"lambda:ListFunctions",
	"s3:ListAllMyBuckets",
	"s3:GetBucketLocation",
)

// RegionsIAMActions are what listing and checking regions calls (Regions,
// CheckRegions): all that a function needs which only checks region names.
var RegionsIAMActions = []string{"ec2:DescribeRegions"}
