package discovery

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// NAT gateways.
var natType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 7, Name: "nat", Label: "NAT gateway", Plural: "NAT gateways", Summary: "NAT gateways",
		CostService: "EC2 - Other",
		ID:          resourcetypes.IDShape{Pattern: `^nat-[0-9a-f]{8}([0-9a-f]{9})?$`, What: "a NAT gateway id such as nat-0123456789abcdef0"},
		States:      []string{"available"},
		Floor:       60,
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/NATGateway", Name: "BytesOutToDestination", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
				Why: "bytes sent out through the gateway: none of the four byte counts in 30 days means an unused gateway"},
			{Namespace: "AWS/NATGateway", Name: "BytesOutToSource", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
				Why: "bytes sent back to the clients in the VPC"},
			{Namespace: "AWS/NATGateway", Name: "BytesInFromSource", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
				Why: "bytes received from the clients in the VPC"},
			{Namespace: "AWS/NATGateway", Name: "BytesInFromDestination", Dimension: "NatGatewayId", Stats: []string{"Sum"}, Unit: "Bytes",
				Why: "bytes received back from the destinations"},
			{Namespace: "AWS/NATGateway", Name: "ActiveConnectionCount", Dimension: "NatGatewayId", Stats: []string{"Maximum"}, Unit: "Count",
				Why: "concurrent connections through the gateway"},
		},
	},
	List:       (*Discoverer).listNATGateways,
	IAMActions: []string{"ec2:DescribeNatGateways"},
	Measured:   func(r cloudscope.Resource) bool { return r.State == "available" },
	ARN: func(r cloudscope.Resource, account string) string {
		return "arn:" + partition(r.Region) + ":ec2:" + r.Region + ":" + account + ":natgateway/" + r.ID
	},
})

func (s *Discoverer) listNATGateways(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := ec2.NewDescribeNatGatewaysPaginator(s.clients.EC2(region), &ec2.DescribeNatGatewaysInput{MaxResults: aws.Int32(s.opts.NATPageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeNatGatewaysOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeNatGateways")
		}
		out = slices.Grow(out, len(page.NatGateways))
		for _, g := range page.NatGateways {
			d := &cloudscope.NATGatewayDetails{
				VpcID:            aws.ToString(g.VpcId),
				SubnetID:         aws.ToString(g.SubnetId),
				ConnectivityType: string(g.ConnectivityType),
			}
			for _, a := range g.NatGatewayAddresses {
				if ip := aws.ToString(a.PublicIp); ip != "" {
					d.PublicIPs = append(d.PublicIPs, ip)
				}
			}
			r := cloudscope.Resource{
				Type:       cloudscope.NATGateway,
				ID:         aws.ToString(g.NatGatewayId),
				Region:     region,
				State:      string(g.State),
				CreatedAt:  g.CreateTime,
				Tags:       tagMap(g.Tags),
				NATGateway: d,
			}
			r.Name = r.Tags["Name"]
			out = append(out, r)
		}
	}
	return out, nil
}
