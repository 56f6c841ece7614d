package discovery

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// EBS volumes.
var ebsType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 4, Name: "ebs", Label: "EBS volume", Plural: "EBS volumes", Summary: "EBS volumes",
		CostService: "EC2 - Other",
		ID:          resourcetypes.IDShape{Pattern: `^vol-[0-9a-f]{8}([0-9a-f]{9})?$`, What: "a volume id such as vol-0123456789abcdef0"},
		Floor:       60,
		// The waste rules read these as sums per day.
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/EBS", Name: "VolumeReadOps", Dimension: "VolumeId", Stats: []string{"Sum"}, Unit: "Count",
				Why: "read operations: with VolumeWriteOps, under 1 a day for a week means an unused volume (Trusted Advisor DAvU99Dc4C)"},
			{Namespace: "AWS/EBS", Name: "VolumeWriteOps", Dimension: "VolumeId", Stats: []string{"Sum"}, Unit: "Count",
				Why: "write operations"},
			{Namespace: "AWS/EBS", Name: "VolumeIdleTime", Dimension: "VolumeId", Stats: []string{"Sum"}, Unit: "Seconds",
				Why: "seconds with no read or write submitted"},
		},
	},
	List:       (*Discoverer).listVolumes,
	IAMActions: []string{"ec2:DescribeVolumes"},
	// An attached data volume's I/O: an unattached one is waste whatever
	// it reads, a boot volume goes with its instance.
	Measured: func(r cloudscope.Resource) bool {
		return r.Volume != nil && len(r.Volume.AttachedTo) > 0 && !r.Volume.Boot
	},
	ARN: func(r cloudscope.Resource, account string) string {
		return "arn:" + partition(r.Region) + ":ec2:" + r.Region + ":" + account + ":volume/" + r.ID
	},
})

// rootDevices are the device names AWS's AMIs give the root volume: Amazon
// Linux and most Linux AMIs /dev/xvda, Windows and the Ubuntu, RHEL and
// SUSE AMIs /dev/sda1. DescribeVolumes does not say which volume is an
// instance's root device, and asking DescribeInstances per volume would cost
// a call per volume: a volume attached under one of these names counts as a
// boot volume. An AMI with another root device name is misjudged as a data
// volume.
var rootDevices = []string{"/dev/xvda", "/dev/sda1"}

func (s *Discoverer) listVolumes(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := ec2.NewDescribeVolumesPaginator(s.clients.EC2(region), &ec2.DescribeVolumesInput{MaxResults: aws.Int32(s.opts.VolumePageSize)})
	arnPrefix := "arn:" + partition(region) + ":ec2:" + region + ":"
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeVolumesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeVolumes")
		}
		out = slices.Grow(out, len(page.Volumes))
		for _, v := range page.Volumes {
			id := aws.ToString(v.VolumeId)
			d := &cloudscope.VolumeDetails{
				VolumeType:       string(v.VolumeType),
				SizeGB:           aws.ToInt32(v.Size),
				IOPS:             aws.ToInt32(v.Iops),
				ThroughputMBps:   aws.ToInt32(v.Throughput),
				AvailabilityZone: aws.ToString(v.AvailabilityZone),
				Encrypted:        aws.ToBool(v.Encrypted),
				AttachedTo:       []string{},
			}
			for _, a := range v.Attachments {
				if a.State == ec2types.VolumeAttachmentStateDetached || a.InstanceId == nil {
					continue
				}
				d.AttachedTo = append(d.AttachedTo, aws.ToString(a.InstanceId))
				d.Boot = d.Boot || slices.Contains(rootDevices, aws.ToString(a.Device))
			}
			r := cloudscope.Resource{
				Type:      cloudscope.Volume,
				ID:        id,
				Region:    region,
				ARN:       aws.ToString(v.VolumeArn),
				State:     string(v.State),
				CreatedAt: v.CreateTime,
				Tags:      tagMap(v.Tags),
				Volume:    d,
			}
			if owner := aws.ToString(v.OwnerId); r.ARN == "" && owner != "" {
				r.ARN = arnPrefix + owner + ":volume/" + id
			}
			run.sawAccount(accountOf(r.ARN))
			r.Name = r.Tags["Name"]
			out = append(out, r)
		}
	}
	return out, nil
}
