package discovery

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// fakeAccount is a synthetic account served through awsstub: n of each
// resource per enabled region, paged by the page size each request asks for.
type fakeAccount struct {
	enabled   []string
	disabled  []string // listed by DescribeRegions as not opted in
	perRegion struct{ ec2, rds, lambda int }
	buckets   map[string]string // name -> region
	// bucketRegionInList makes ListBuckets fill BucketRegion, as AWS does
	// when the request has a parameter; without it, GetBucketLocation must
	// be called, as for moto.
	bucketRegionInList bool
	// fail answers "region/Service.Operation" with an error.
	fail map[string]error
}

var launched = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func page(token *string, size int32, total int) (start, end int, next *string) {
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	if size <= 0 {
		size = 50
	}
	end = min(start+int(size), total)
	if end < total {
		next = aws.String(strconv.Itoa(end))
	}
	return start, end, next
}

func (a *fakeAccount) handle(_ context.Context, c awsstub.Call) (any, error) {
	if err := a.fail[c.Region+"/"+c.Service+"."+c.Operation]; err != nil {
		return nil, err
	}
	switch in := c.Input.(type) {
	case *ec2.DescribeRegionsInput:
		out := &ec2.DescribeRegionsOutput{}
		for _, r := range a.enabled {
			out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(r), OptInStatus: aws.String("opt-in-not-required")})
		}
		for _, r := range a.disabled {
			out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(r), OptInStatus: aws.String("not-opted-in")})
		}
		return out, nil
	case *ec2.DescribeInstancesInput:
		start, end, next := page(in.NextToken, aws.ToInt32(in.MaxResults), a.perRegion.ec2)
		out := &ec2.DescribeInstancesOutput{NextToken: next}
		for i := start; i < end; i++ {
			out.Reservations = append(out.Reservations, ec2types.Reservation{OwnerId: aws.String("111122223333"), Instances: []ec2types.Instance{{
				InstanceId:   aws.String(fmt.Sprintf("i-%s-%05d", c.Region, i)),
				InstanceType: ec2types.InstanceTypeT3Micro,
				State:        &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning},
				LaunchTime:   aws.Time(launched),
				Placement:    &ec2types.Placement{AvailabilityZone: aws.String(c.Region + "a")},
				Tags:         []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("web-%d", i))}},
			}}})
		}
		return out, nil
	case *rds.DescribeDBInstancesInput:
		start, end, next := page(in.Marker, aws.ToInt32(in.MaxRecords), a.perRegion.rds)
		out := &rds.DescribeDBInstancesOutput{Marker: next}
		for i := start; i < end; i++ {
			out.DBInstances = append(out.DBInstances, rdstypes.DBInstance{
				DBInstanceIdentifier: aws.String(fmt.Sprintf("db-%05d", i)),
				DBInstanceClass:      aws.String("db.t3.micro"),
				Engine:               aws.String("postgres"),
				DBInstanceStatus:     aws.String("available"),
				AllocatedStorage:     aws.Int32(20),
			})
		}
		return out, nil
	case *lambda.ListFunctionsInput:
		start, end, next := page(in.Marker, aws.ToInt32(in.MaxItems), a.perRegion.lambda)
		out := &lambda.ListFunctionsOutput{NextMarker: next}
		for i := start; i < end; i++ {
			out.Functions = append(out.Functions, lambdatypes.FunctionConfiguration{
				FunctionName:  aws.String(fmt.Sprintf("fn-%05d", i)),
				Runtime:       lambdatypes.RuntimeProvidedal2023,
				Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureArm64},
				MemorySize:    aws.Int32(128),
				Timeout:       aws.Int32(3),
				LastModified:  aws.String("2026-01-02T03:04:05.000+0000"),
			})
		}
		return out, nil
	case *s3.ListBucketsInput:
		out := &s3.ListBucketsOutput{}
		if n := len(a.buckets); in.MaxBuckets != nil && n > int(*in.MaxBuckets) {
			return nil, fmt.Errorf("fake account: %d buckets do not fit one page of %d", n, *in.MaxBuckets)
		}
		for name, region := range a.buckets {
			b := s3types.Bucket{Name: aws.String(name), CreationDate: aws.Time(launched)}
			if a.bucketRegionInList && in.MaxBuckets != nil {
				b.BucketRegion = aws.String(region)
			}
			out.Buckets = append(out.Buckets, b)
		}
		return out, nil
	case *s3.GetBucketLocationInput:
		region := a.buckets[aws.ToString(in.Bucket)]
		if region == "us-east-1" {
			region = "" // as S3 answers for us-east-1
		}
		return &s3.GetBucketLocationOutput{LocationConstraint: s3types.BucketLocationConstraint(region)}, nil
	}
	return nil, fmt.Errorf("fake account: unexpected call %s.%s", c.Service, c.Operation)
}

// stubClients returns discovery clients whose calls go to h.
func stubClients(h awsstub.Handler) Clients { return ClientsFrom(awsstub.Clients(h)) }
