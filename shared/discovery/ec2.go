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

// EC2 instances.
var ec2Type = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 0, Name: "ec2", Label: "EC2 instance", Plural: "EC2 instances", Summary: "EC2 instances",
		CostService: "Amazon Elastic Compute Cloud - Compute",
		ID:          resourcetypes.IDShape{Pattern: `^i-[0-9a-f]{8}([0-9a-f]{9})?$`, What: "an instance id such as i-0123456789abcdef0"},
		States:      []string{"running", "stopped"},
		// Basic monitoring publishes every 5 minutes: a finer period would draw gaps.
		Floor: 300,
		Metrics: []resourcetypes.Metric{
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
	},
	List:       (*Discoverer).listInstances,
	IAMActions: []string{"ec2:DescribeInstances"},
	// A stopped instance has no load to judge.
	Measured: func(r cloudscope.Resource) bool { return r.State == "running" },
})

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
