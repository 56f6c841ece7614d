package discovery

import (
	"cmp"
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// Elastic IP addresses. They publish no metrics.
var eipType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 6, Name: "eip", Label: "Elastic IP", Plural: "Elastic IPs", Summary: "Elastic IPs",
		CostService: "Amazon Virtual Private Cloud",
		ID: resourcetypes.IDShape{Pattern: `^(eipalloc-[0-9a-f]{8}([0-9a-f]{9})?|[0-9]{1,3}(\.[0-9]{1,3}){3})$`,
			What: "an allocation id such as eipalloc-0123456789abcdef0, or an EC2-Classic address's IP"},
	},
	List:       (*Discoverer).listAddresses,
	IAMActions: []string{"ec2:DescribeAddresses"},
	ARN: func(r cloudscope.Resource, account string) string {
		if r.Address == nil || r.Address.AllocationID == "" {
			return ""
		}
		return "arn:" + partition(r.Region) + ":ec2:" + r.Region + ":" + account + ":elastic-ip/" + r.ID
	},
})

// listAddresses lists the Elastic IPs: DescribeAddresses has no paging and
// answers every address in one call.
func (s *Discoverer) listAddresses(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	client := s.clients.EC2(region)
	page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeAddressesOutput, error) {
		return client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	})
	if err != nil {
		return nil, awserr.Wrap(err, "DescribeAddresses")
	}
	out := make([]cloudscope.Resource, 0, len(page.Addresses))
	for _, a := range page.Addresses {
		d := &cloudscope.AddressDetails{
			PublicIP:           aws.ToString(a.PublicIp),
			AllocationID:       aws.ToString(a.AllocationId),
			AssociationID:      aws.ToString(a.AssociationId),
			InstanceID:         aws.ToString(a.InstanceId),
			NetworkInterfaceID: aws.ToString(a.NetworkInterfaceId),
			Domain:             string(a.Domain),
		}
		r := cloudscope.Resource{
			Type:    cloudscope.Address,
			ID:      cmp.Or(d.AllocationID, d.PublicIP), // EC2-Classic addresses have no allocation id
			Region:  region,
			State:   "unassociated",
			Tags:    tagMap(a.Tags),
			Address: d,
		}
		if d.AssociationID != "" || d.InstanceID != "" || d.NetworkInterfaceID != "" {
			r.State = "associated"
		}
		r.Name = r.Tags["Name"]
		out = append(out, r)
	}
	return out, nil
}
