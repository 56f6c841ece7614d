package discovery

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// S3 buckets: one global list, each bucket placed in its region.
var s3Type = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 2, Name: "s3", Label: "S3 bucket", Plural: "S3 buckets", Summary: "S3 buckets",
		CostService: "Amazon Simple Storage Service",
		ID:          resourcetypes.IDShape{Pattern: `^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`, What: "a bucket name"},
		// The storage metrics are published once a day.
		Floor: 86400,
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/S3", Name: "BucketSizeBytes", Dimension: "BucketName", Fixed: map[string]string{"StorageType": "StandardStorage"},
				Stats: []string{"Average"}, Unit: "Bytes", MinPeriod: 86400,
				Why: "bytes stored in the Standard class, reported once a day"},
			{Namespace: "AWS/S3", Name: "NumberOfObjects", Dimension: "BucketName", Fixed: map[string]string{"StorageType": "AllStorageTypes"},
				Stats: []string{"Average"}, Unit: "Count", MinPeriod: 86400,
				Why: "objects stored, reported once a day"},
		},
	},
	ListAll:    (*Discoverer).listBuckets,
	IAMActions: []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation"},
})

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
