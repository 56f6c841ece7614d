package pricing

import (
	"maps"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// product is where one PriceItem sits in the Price List: the service code,
// the product family and further attributes (TERM_MATCH filters), and the
// usage type without the region's prefix ("USE2-", "EU-"), which picks the
// one product among those the filters return.
type product struct {
	service string
	family  string
	attrs   map[string]string
	usage   string // "" when the filters alone find the product
}

// products are the Price List products of the items, as the Price List
// names them (attribute names and values from GetAttributeValues).
var products = map[cloudscope.PriceItem]product{
	cloudscope.PriceGP3IOPS:          {service: "AmazonEC2", family: "System Operation", attrs: map[string]string{"volumeApiName": "gp3"}, usage: "EBS:VolumeP-IOPS.gp3"},
	cloudscope.PriceGP3Throughput:    {service: "AmazonEC2", family: "Provisioned Throughput", attrs: map[string]string{"volumeApiName": "gp3"}, usage: "EBS:VolumeP-Throughput.gp3"},
	cloudscope.PriceSnapshotStandard: {service: "AmazonEC2", family: "Storage Snapshot", usage: "EBS:SnapshotUsage"},
	cloudscope.PriceSnapshotArchive:  {service: "AmazonEC2", family: "Storage Snapshot", usage: "EBS:SnapshotArchiveStorage"},
	cloudscope.PricePublicIPv4:       {service: "AmazonVPC", family: "VPC Public IPv4 Address", usage: "PublicIPv4:IdleAddress"},
	cloudscope.PriceNATGateway:       {service: "AmazonEC2", family: "NAT Gateway", usage: "NatGateway-Hours"},
	cloudscope.PriceALB:              {service: "AWSELB", family: "Load Balancer-Application", usage: "LoadBalancerUsage"},
	cloudscope.PriceNLB:              {service: "AWSELB", family: "Load Balancer-Network", usage: "LoadBalancerUsage"},
	cloudscope.PriceCLB:              {service: "AWSELB", family: "Load Balancer", usage: "LoadBalancerUsage"},
	cloudscope.PriceDynamoRCU:        {service: "AmazonDynamoDB", family: "Provisioned IOPS", usage: "ReadCapacityUnit-Hrs"},
	cloudscope.PriceDynamoWCU:        {service: "AmazonDynamoDB", family: "Provisioned IOPS", usage: "WriteCapacityUnit-Hrs"},
	cloudscope.PriceDynamoReadRU:     {service: "AmazonDynamoDB", family: "Amazon DynamoDB PayPerRequest Throughput", usage: "ReadRequestUnits"},
	cloudscope.PriceDynamoWriteRU:    {service: "AmazonDynamoDB", family: "Amazon DynamoDB PayPerRequest Throughput", usage: "WriteRequestUnits"},
}

// volumeTypes are the EBS volume types whose storage is priced.
var volumeTypes = []string{"gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"}

// productOf is item's product.
func productOf(item cloudscope.PriceItem) (product, bool) {
	if p, ok := products[item]; ok {
		return p, true
	}
	if p, ok := instanceProduct(item); ok {
		return p, true
	}
	for _, vt := range volumeTypes {
		if item == cloudscope.PriceVolumeStorage(vt) {
			return product{service: "AmazonEC2", family: "Storage", attrs: map[string]string{"volumeApiName": vt}}, true
		}
	}
	return product{}, false
}

// filters are the GetProducts filters of p in region.
func (p product) filters(region string) []types.Filter {
	f := []types.Filter{
		{Type: types.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(region)},
		{Type: types.FilterTypeTermMatch, Field: aws.String("locationType"), Value: aws.String("AWS Region")},
		{Type: types.FilterTypeTermMatch, Field: aws.String("productFamily"), Value: aws.String(p.family)},
	}
	for _, k := range slices.Sorted(maps.Keys(p.attrs)) {
		f = append(f, types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String(k), Value: aws.String(p.attrs[k])})
	}
	return f
}

// regionPrefix is a usage type's region prefix: us-east-1 has none,
// us-east-2 "USE2-", eu-west-1 "EU-".
var regionPrefix = regexp.MustCompile(`^([A-Z]{3}[0-9]|EU)-`)

// matches reports whether an offer is p's product.
func (p product) matches(o offer) bool {
	if p.usage == "" {
		return true
	}
	return regionPrefix.ReplaceAllString(o.Product.Attributes["usagetype"], "") == p.usage
}
