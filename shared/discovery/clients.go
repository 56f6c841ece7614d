package discovery

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbv2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/rdsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/regions"
)

// EC2API is the part of the EC2 client that discovery calls.
type EC2API interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
	ec2.DescribeInstancesAPIClient
	ec2.DescribeVolumesAPIClient
	ec2.DescribeSnapshotsAPIClient
	ec2.DescribeImagesAPIClient
	ec2.DescribeNatGatewaysAPIClient
	DescribeAddresses(ctx context.Context, in *ec2.DescribeAddressesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error)
}

// ELBv2API is the part of the Elastic Load Balancing v2 client (application,
// network and gateway load balancers) that discovery calls.
type ELBv2API interface {
	elbv2.DescribeLoadBalancersAPIClient
	elbv2.DescribeTargetGroupsAPIClient
	DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
}

// ELBAPI is the part of the classic Elastic Load Balancing client that discovery calls.
type ELBAPI interface {
	elb.DescribeLoadBalancersAPIClient
	DescribeInstanceHealth(ctx context.Context, in *elb.DescribeInstanceHealthInput, optFns ...func(*elb.Options)) (*elb.DescribeInstanceHealthOutput, error)
}

// DynamoDBAPI is the part of the DynamoDB client that discovery calls.
type DynamoDBAPI interface {
	dynamodb.ListTablesAPIClient
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
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
	EC2      func(region string) EC2API
	RDS      func(region string) RDSAPI
	Lambda   func(region string) LambdaAPI
	S3       func(region string) S3API
	ELBv2    func(region string) ELBv2API
	ELB      func(region string) ELBAPI
	DynamoDB func(region string) DynamoDBAPI
	// HomeRegion is where global calls go (DescribeRegions, ListBuckets).
	HomeRegion string
}

// ClientsFrom adapts the shared AWS client set to discovery's interfaces.
func ClientsFrom(c *awsconf.Clients) Clients {
	return Clients{
		EC2:        func(r string) EC2API { return ec2client.In(c, r) },
		RDS:        func(r string) RDSAPI { return rdsclient.In(c, r) },
		Lambda:     func(r string) LambdaAPI { return lambdaclient.In(c, r) },
		S3:         func(r string) S3API { return s3client.In(c, r) },
		ELBv2:      func(r string) ELBv2API { return elbv2client.In(c, r) },
		ELB:        func(r string) ELBAPI { return elbclient.In(c, r) },
		DynamoDB:   func(r string) DynamoDBAPI { return dynamodbclient.In(c, r) },
		HomeRegion: c.DefaultRegion(),
	}
}

// IAMActions lists every IAM action discovery's code calls: listing regions
// and each type's IAMActions. The infrastructure grants exactly these, and
// the read-only policy for local use is built from them.
var IAMActions []string

func init() {
	IAMActions = slices.Clone(RegionsIAMActions)
	for _, t := range types {
		for _, a := range t.IAMActions {
			if !slices.Contains(IAMActions, a) {
				IAMActions = append(IAMActions, a)
			}
		}
	}
}

// RegionsIAMActions are what listing and checking regions calls (Regions,
// CheckRegions): all that a function needs which only checks region names
// (shared/regions').
var RegionsIAMActions = regions.IAMActions
