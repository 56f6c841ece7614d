package discovery

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// EBS snapshots the account owns, with the AMIs that use them. They
// publish no metrics.
var ebsSnapshotType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 5, Name: "ebs-snapshot", Label: "EBS snapshot", Plural: "EBS snapshots", Summary: "EBS snapshots the account owns",
		CostService: "EC2 - Other",
		ID:          resourcetypes.IDShape{Pattern: `^snap-[0-9a-f]{8}([0-9a-f]{9})?$`, What: "a snapshot id such as snap-0123456789abcdef0"},
	},
	List:       (*Discoverer).listSnapshots,
	IAMActions: []string{"ec2:DescribeSnapshots", "ec2:DescribeImages"},
})

// listSnapshots lists the snapshots the account owns, each with the AMIs
// the account owns that use it: the AMIs come from one paged listing per
// region, read beside the snapshots. Whether a snapshot's volume still
// exists is set after discovery, from the same region's volume list.
func (s *Discoverer) listSnapshots(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var images map[string][]string
	var imagesErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		images, imagesErr = s.imagesBySnapshot(ctx, region, run)
	}()

	pages := ec2.NewDescribeSnapshotsPaginator(s.clients.EC2(region), &ec2.DescribeSnapshotsInput{
		OwnerIds: []string{"self"}, MaxResults: aws.Int32(s.opts.SnapshotPageSize)})
	arnPrefix := "arn:" + partition(region) + ":ec2:" + region + ":"
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeSnapshotsOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			cancel()
			<-done
			return out, awserr.Wrap(err, "DescribeSnapshots")
		}
		out = slices.Grow(out, len(page.Snapshots))
		for _, sn := range page.Snapshots {
			id, owner := aws.ToString(sn.SnapshotId), aws.ToString(sn.OwnerId)
			run.sawAccount(owner)
			r := cloudscope.Resource{
				Type:      cloudscope.VolumeBackup,
				ID:        id,
				Region:    region,
				State:     string(sn.State),
				CreatedAt: sn.StartTime,
				Tags:      tagMap(sn.Tags),
				VolumeBackup: &cloudscope.VolumeBackupDetails{
					VolumeID:    aws.ToString(sn.VolumeId),
					SizeGB:      aws.ToInt32(sn.VolumeSize),
					StorageTier: string(sn.StorageTier),
				},
			}
			if owner != "" {
				r.ARN = arnPrefix + owner + ":snapshot/" + id
			}
			r.Name = r.Tags["Name"]
			out = append(out, r)
		}
	}
	<-done
	if imagesErr != nil {
		return out, imagesErr
	}
	for i := range out {
		out[i].VolumeBackup.Images = images[out[i].ID]
		if out[i].VolumeBackup.Images == nil {
			out[i].VolumeBackup.Images = []string{}
		}
	}
	return out, nil
}

// imagesBySnapshot maps each snapshot to the AMIs the account owns whose
// block device mappings name it (disabled AMIs included: they keep their
// snapshots).
func (s *Discoverer) imagesBySnapshot(ctx context.Context, region string, run *runner) (map[string][]string, error) {
	pages := ec2.NewDescribeImagesPaginator(s.clients.EC2(region), &ec2.DescribeImagesInput{
		Owners: []string{"self"}, IncludeDisabled: aws.Bool(true), MaxResults: aws.Int32(s.opts.ImagePageSize)})
	images := map[string][]string{}
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeImagesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return nil, awserr.Wrap(err, "DescribeImages")
		}
		for _, img := range page.Images {
			run.sawAccount(aws.ToString(img.OwnerId))
			for _, m := range img.BlockDeviceMappings {
				if m.Ebs == nil || m.Ebs.SnapshotId == nil {
					continue
				}
				snap := aws.ToString(m.Ebs.SnapshotId)
				if id := aws.ToString(img.ImageId); !slices.Contains(images[snap], id) {
					images[snap] = append(images[snap], id)
				}
			}
		}
	}
	for _, ids := range images {
		slices.Sort(ids)
	}
	return images, nil
}

// linkSnapshots sets, on each snapshot, whether its source volume still
// exists, where the same discovery listed the region's volumes; elsewhere
// it stays unknown (nil). Call it while no worker runs.
func (r *runner) linkSnapshots() {
	volumes := map[string]map[string]bool{} // region -> volume ids
	for key := range r.succeeded {
		if region, typ, _ := strings.Cut(key, "/"); cloudscope.ResourceType(typ) == cloudscope.Volume {
			volumes[region] = map[string]bool{}
		}
	}
	for _, list := range r.found {
		if list[0].Type == cloudscope.Volume {
			for _, v := range list {
				volumes[v.Region][v.ID] = true
			}
		}
	}
	for _, list := range r.found {
		ids, listed := volumes[list[0].Region]
		if list[0].Type != cloudscope.VolumeBackup || !listed {
			continue
		}
		for i := range list {
			exists := ids[list[i].VolumeBackup.VolumeID]
			list[i].VolumeBackup.VolumeExists = &exists
		}
	}
}
