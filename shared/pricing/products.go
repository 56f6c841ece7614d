package pricing

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// product is where one PriceItem sits in the Price List, asked for by
// attributes that the Price List's records carry (recorded ones are in
// testdata/, with their sources): the service code, the usage type without
// its region prefix, and further attributes. The product family is not
// asked for: some records have none (public IPv4 addresses).
type product struct {
	service string
	usage   string            // the usage type without the region's prefix ("USE2-", "EU-")
	attrs   map[string]string // further TERM_MATCH filters, in every region
	// byRegionCode asks by regionCode and the attributes, then picks the
	// usage type among the answers: for records whose usage-type prefix in
	// us-east-1 is not the EC2 one ("" there, "USE1-" for AmazonVPC).
	byRegionCode bool
	unit         unit // the unit the price must have
}

// unit is the unit a price must be published in, and the unit cloudscope
// prices in: the same, or the published price divided by a factor (a price
// per GiB/s-month is 1,024 times the price per MiB/s-month).
type unit struct {
	published string // as the Price List writes it
	factor    int64  // 0 or 1: none
	name      string // the unit of the converted price; "" for published
}

// priced is the unit a converted price is in.
func (u unit) priced() string {
	if u.name != "" {
		return u.name
	}
	return u.published
}

var (
	perGBMonth   = unit{published: "GB-Mo"}
	perHour      = unit{published: "Hrs"}
	perIOPSMonth = unit{published: "IOPS-Mo"}
	// gp3 throughput is published per GiBps-mo (40.96 USD in us-east-1,
	// 49.152 in ap-northeast-1): cloudscope prices it per MiB/s-month
	// (0.04 USD), as volumes are sized.
	perMiBpsMonth = unit{published: "GiBps-mo", factor: 1024, name: "MiBps-Mo"}
	perRCUHour    = unit{published: "ReadCapacityUnit-Hrs"}
	perWCUHour    = unit{published: "WriteCapacityUnit-Hrs"}
	perReadUnit   = unit{published: "ReadRequestUnits"}
	perWriteUnit  = unit{published: "WriteRequestUnits"}
)

// products are the Price List products of the items, with the unit each
// price must have (the table of units the README shows).
var products = map[cloudscope.PriceItem]product{
	cloudscope.PriceGP3IOPS:          {service: "AmazonEC2", usage: "EBS:VolumeP-IOPS.gp3", unit: perIOPSMonth},
	cloudscope.PriceGP3Throughput:    {service: "AmazonEC2", usage: "EBS:VolumeP-Throughput.gp3", unit: perMiBpsMonth},
	cloudscope.PriceSnapshotStandard: {service: "AmazonEC2", usage: "EBS:SnapshotUsage", unit: perGBMonth},
	cloudscope.PriceSnapshotArchive:  {service: "AmazonEC2", usage: "EBS:SnapshotArchiveStorage", unit: perGBMonth},
	// Public IPv4 records have no productFamily; their group is
	// VPCPublicIPv4Address, and in-use and idle addresses cost the same.
	cloudscope.PricePublicIPv4:      {service: "AmazonVPC", usage: "PublicIPv4:IdleAddress", attrs: map[string]string{"group": "VPCPublicIPv4Address"}, byRegionCode: true, unit: perHour},
	cloudscope.PricePublicIPv4InUse: {service: "AmazonVPC", usage: "PublicIPv4:InUseAddress", attrs: map[string]string{"group": "VPCPublicIPv4Address"}, byRegionCode: true, unit: perHour},
	cloudscope.PriceNATGateway:      {service: "AmazonEC2", usage: "NatGateway-Hours", unit: perHour},
	cloudscope.PriceALB:             {service: "AWSELB", usage: "LoadBalancerUsage", attrs: map[string]string{"productFamily": "Load Balancer-Application"}, unit: perHour},
	cloudscope.PriceNLB:             {service: "AWSELB", usage: "LoadBalancerUsage", attrs: map[string]string{"productFamily": "Load Balancer-Network"}, unit: perHour},
	cloudscope.PriceCLB:             {service: "AWSELB", usage: "LoadBalancerUsage", attrs: map[string]string{"productFamily": "Load Balancer"}, unit: perHour},
	cloudscope.PriceDynamoRCU:       {service: "AmazonDynamoDB", usage: "ReadCapacityUnit-Hrs", unit: perRCUHour},
	cloudscope.PriceDynamoWCU:       {service: "AmazonDynamoDB", usage: "WriteCapacityUnit-Hrs", unit: perWCUHour},
	cloudscope.PriceDynamoReadRU:    {service: "AmazonDynamoDB", usage: "ReadRequestUnits", unit: perReadUnit},
	cloudscope.PriceDynamoWriteRU:   {service: "AmazonDynamoDB", usage: "WriteRequestUnits", unit: perWriteUnit},
	// Standard-IA tables: their own usage types, in the same units.
	cloudscope.PriceDynamoIARCU:     {service: "AmazonDynamoDB", usage: "IA-ReadCapacityUnit-Hrs", unit: perRCUHour},
	cloudscope.PriceDynamoIAWCU:     {service: "AmazonDynamoDB", usage: "IA-WriteCapacityUnit-Hrs", unit: perWCUHour},
	cloudscope.PriceDynamoIAReadRU:  {service: "AmazonDynamoDB", usage: "IA-ReadRequestUnits", unit: perReadUnit},
	cloudscope.PriceDynamoIAWriteRU: {service: "AmazonDynamoDB", usage: "IA-WriteRequestUnits", unit: perWriteUnit},
}

// volumeUsage is the usage type of each EBS volume type's storage (io1's
// is "piops", standard's has no suffix).
var volumeUsage = map[string]string{
	"gp2": "EBS:VolumeUsage.gp2", "gp3": "EBS:VolumeUsage.gp3", "io1": "EBS:VolumeUsage.piops", "io2": "EBS:VolumeUsage.io2",
	"st1": "EBS:VolumeUsage.st1", "sc1": "EBS:VolumeUsage.sc1", "standard": "EBS:VolumeUsage",
}

// productOf is item's product.
func productOf(item cloudscope.PriceItem) (product, bool) {
	if p, ok := products[item]; ok {
		return p, true
	}
	if p, ok := instanceProduct(item); ok {
		return p, true
	}
	for vt, usage := range volumeUsage {
		if item == cloudscope.PriceVolumeStorage(vt) {
			return product{service: "AmazonEC2", usage: usage, unit: perGBMonth}, true
		}
	}
	return product{}, false
}

// usagePrefixes are the regions' usage-type prefixes in the Price List
// (us-east-1 has none for EC2, ELB and DynamoDB). A region missing here is
// asked for by regionCode instead.
var usagePrefixes = map[string]string{
	"us-east-1": "", "us-east-2": "USE2-", "us-west-1": "USW1-", "us-west-2": "USW2-",
	"ca-central-1": "CAN1-", "sa-east-1": "SAE1-", "af-south-1": "AFS1-", "me-south-1": "MES1-",
	"eu-west-1": "EU-", "eu-west-2": "EUW2-", "eu-west-3": "EUW3-", "eu-central-1": "EUC1-", "eu-north-1": "EUN1-", "eu-south-1": "EUS1-",
	"ap-northeast-1": "APN1-", "ap-northeast-2": "APN2-", "ap-northeast-3": "APN3-", "ap-southeast-1": "APS1-",
	"ap-southeast-2": "APS2-", "ap-south-1": "APS3-", "ap-east-1": "APE1-",
}

// filters are the GetProducts filters of p in region: the usage type with
// the region's prefix, or (byRegionCode, or a region without a known
// prefix) the region code.
func (p product) filters(region string) []types.Filter {
	var f []types.Filter
	if prefix, ok := usagePrefixes[region]; ok && !p.byRegionCode {
		f = append(f, types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String("usagetype"), Value: aws.String(prefix + p.usage)})
	} else {
		f = append(f, types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(region)})
	}
	for _, k := range slices.Sorted(maps.Keys(p.attrs)) {
		f = append(f, types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String(k), Value: aws.String(p.attrs[k])})
	}
	return f
}

// regionPrefix is a usage type's region prefix: us-east-1 has none (or
// "USE1-"), us-east-2 "USE2-", eu-west-1 "EU-".
var regionPrefix = regexp.MustCompile(`^([A-Z]{3}[0-9]|EU)-`)

// matches reports whether an offer is p's product: its usage type, and
// sold on demand. An EC2 instance type's Capacity Block line has the same
// usage type, operating system, tenancy and capacity status as its
// on-demand line (marketoption CapacityBlock, operation RunInstances:CB,
// 0.00 an hour: testdata/p4d_24xlarge_offer.json); older records carry no
// marketoption and are on demand.
func (p product) matches(o offer) bool {
	if m, ok := o.Product.Attributes["marketoption"]; ok && m != "OnDemand" {
		return false
	}
	return regionPrefix.ReplaceAllString(o.Product.Attributes["usagetype"], "") == p.usage
}

// inUnit is amount, priced per published, as a price per p's unit:
// converted when AWS publishes it in another unit, and no price when the
// published unit is not the one expected (never multiplied).
func (p product) inUnit(amount cloudscope.Amount, published string) (cloudscope.Amount, error) {
	if published != p.unit.published {
		return cloudscope.Amount{}, fmt.Errorf("unexpected unit: the Price List prices %s per %q, cloudscope expects %q", p.usage, published, p.unit.published)
	}
	if p.unit.factor > 1 {
		return amount.Div(cloudscope.AmountOf(p.unit.factor)), nil
	}
	return amount, nil
}
