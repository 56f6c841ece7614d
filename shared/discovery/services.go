package discovery

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

func (s *Discoverer) listInstances(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := ec2.NewDescribeInstancesPaginator(s.clients.EC2(region), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(s.opts.EC2PageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeInstances")
		}
		n := 0
		for _, rsv := range page.Reservations {
			n += len(rsv.Instances)
		}
		out = slices.Grow(out, n)
		arnPrefix := "arn:" + partition(region) + ":ec2:" + region + ":"
		for _, rsv := range page.Reservations {
			run.sawAccount(aws.ToString(rsv.OwnerId))
			for _, in := range rsv.Instances {
				id := aws.ToString(in.InstanceId)
				r := cloudscope.Resource{
					Type:      cloudscope.EC2,
					ID:        id,
					Region:    region,
					ARN:       arnPrefix + aws.ToString(rsv.OwnerId) + ":instance/" + id,
					CreatedAt: in.LaunchTime,
					Tags:      tagMap(in.Tags),
					EC2: &cloudscope.EC2Details{
						InstanceType: string(in.InstanceType),
						Platform:     platformOf(in),
						Architecture: string(in.Architecture),
					},
				}
				r.Name = r.Tags["Name"]
				if in.State != nil {
					r.State = string(in.State.Name)
				}
				if in.Placement != nil {
					r.EC2.AvailabilityZone = aws.ToString(in.Placement.AvailabilityZone)
					r.EC2.Tenancy = string(in.Placement.Tenancy)
				}
				if in.StateReason != nil {
					r.EC2.StateReason = aws.ToString(in.StateReason.Message)
				}
				if r.State == "stopped" {
					r.EC2.StoppedAt = transitionTime(aws.ToString(in.StateTransitionReason))
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func (s *Discoverer) listDatabases(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := rds.NewDescribeDBInstancesPaginator(s.clients.RDS(region), &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(s.opts.RDSPageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*rds.DescribeDBInstancesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeDBInstances")
		}
		out = slices.Grow(out, len(page.DBInstances))
		for _, db := range page.DBInstances {
			var tags map[string]string
			if len(db.TagList) > 0 {
				tags = make(map[string]string, len(db.TagList))
				for _, t := range db.TagList {
					tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
			}
			out = append(out, cloudscope.Resource{
				Type:      cloudscope.RDS,
				ID:        aws.ToString(db.DBInstanceIdentifier),
				Name:      tags["Name"],
				Region:    region,
				ARN:       aws.ToString(db.DBInstanceArn),
				State:     aws.ToString(db.DBInstanceStatus),
				CreatedAt: db.InstanceCreateTime,
				Tags:      tags,
				RDS: &cloudscope.RDSDetails{
					InstanceClass:      aws.ToString(db.DBInstanceClass),
					Engine:             aws.ToString(db.Engine),
					EngineVersion:      aws.ToString(db.EngineVersion),
					AllocatedStorageGB: aws.ToInt32(db.AllocatedStorage),
					StorageType:        aws.ToString(db.StorageType),
					MultiAZ:            aws.ToBool(db.MultiAZ),
					LicenseModel:       aws.ToString(db.LicenseModel),
					AvailabilityZone:   aws.ToString(db.AvailabilityZone),
				},
			})
		}
	}
	return out, nil
}

func (s *Discoverer) listFunctions(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := lambda.NewListFunctionsPaginator(s.clients.Lambda(region), &lambda.ListFunctionsInput{MaxItems: aws.Int32(s.opts.LambdaPageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*lambda.ListFunctionsOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "ListFunctions")
		}
		out = slices.Grow(out, len(page.Functions))
		for _, fn := range page.Functions {
			d := &cloudscope.LambdaDetails{
				Runtime:        string(fn.Runtime),
				Architectures:  make([]string, 0, len(fn.Architectures)),
				MemoryMB:       aws.ToInt32(fn.MemorySize),
				TimeoutSeconds: aws.ToInt32(fn.Timeout),
				PackageType:    string(fn.PackageType),
				CodeSizeBytes:  fn.CodeSize,
			}
			for _, a := range fn.Architectures {
				d.Architectures = append(d.Architectures, string(a))
			}
			if len(d.Architectures) == 0 {
				d.Architectures = append(d.Architectures, "x86_64") // Lambda's default when unset
			}
			if t, err := parseLambdaTime(aws.ToString(fn.LastModified)); err == nil {
				d.LastModified = &t
			}
			name := aws.ToString(fn.FunctionName)
			out = append(out, cloudscope.Resource{
				Type:   cloudscope.Lambda,
				ID:     name,
				Name:   name,
				Region: region,
				ARN:    aws.ToString(fn.FunctionArn),
				State:  string(fn.State),
				Lambda: d,
			})
		}
	}
	return out, nil
}

// listBuckets lists every bucket with its region. ListBuckets is global; the
// region comes from its BucketRegion field, or from GetBucketLocation where a
// server leaves that field out. Failures are recorded on the runner.
func (s *Discoverer) listBuckets(ctx context.Context, run *runner) []cloudscope.Resource {
	client := s.clients.S3(s.clients.HomeRegion)
	pages := s3.NewListBucketsPaginator(client, &s3.ListBucketsInput{MaxBuckets: aws.Int32(s.opts.S3PageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*s3.ListBucketsOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			run.fail(failure(cloudscope.Global, "s3", awserr.Wrap(err, "ListBuckets")))
			return nil
		}
		for _, b := range page.Buckets {
			name := aws.ToString(b.Name)
			out = append(out, cloudscope.Resource{
				Type:      cloudscope.S3,
				ID:        name,
				Name:      name,
				Region:    aws.ToString(b.BucketRegion),
				CreatedAt: b.CreationDate,
			})
		}
	}

	run.listed.Add(1)

	// Look up the regions the list did not give, concurrently under the same bound.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []string
	var firstErr error
	for i := range out {
		if out[i].Region != "" {
			continue
		}
		wg.Go(func() {
			loc, err := call(ctx, run, func(ctx context.Context) (*s3.GetBucketLocationOutput, error) {
				return client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(out[i].ID)})
			})
			if err != nil {
				mu.Lock()
				failed = append(failed, out[i].ID)
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				return
			}
			out[i].Region = bucketRegion(string(loc.LocationConstraint))
		})
	}
	wg.Wait()
	if len(failed) > 0 && ctx.Err() == nil {
		f := failure(cloudscope.Global, "s3", awserr.Wrap(firstErr, fmt.Sprintf("GetBucketLocation failed for %d bucket(s), first %s", len(failed), failed[0])))
		run.fail(f)
	}
	for i := range out {
		out[i].ARN = fmt.Sprintf("arn:%s:s3:::%s", partition(out[i].Region), out[i].ID)
	}
	return out
}

// bucketRegion maps a LocationConstraint to its region: empty means
// us-east-1 and the legacy "EU" means eu-west-1.
func bucketRegion(constraint string) string {
	switch constraint {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return constraint
}

// platformOf is an instance's platform details ("Linux/UNIX", "Windows with
// SQL Server Standard", "Red Hat Enterprise Linux"), which name its Price
// List line. AWS always sends them; an emulator may not, and then the
// older Platform field decides: "windows" for Windows, blank for the rest.
func platformOf(in ec2types.Instance) string {
	if d := aws.ToString(in.PlatformDetails); d != "" {
		return d
	}
	if in.Platform == ec2types.PlatformValuesWindows {
		return "Windows"
	}
	return "Linux/UNIX"
}
