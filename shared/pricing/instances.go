package pricing

import (
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// instanceProduct is the Price List product of an instance price item
// (cloudscope.PriceEC2Instance, cloudscope.PriceRDSInstance): an EC2
// instance's on-demand line is its type on an operating system, tenancy,
// licence model and pre-installed software, running (capacitystatus Used:
// not an unused reservation); a database instance's is its class for an
// engine (and edition), deployment and licence model. The filters find
// one product each.
func instanceProduct(item cloudscope.PriceItem) (product, bool) {
	service, name, f, ok := cloudscope.ParseInstancePrice(item)
	if !ok {
		return product{}, false
	}
	switch service {
	case "ec2":
		// f: operating system, tenancy, licence, software.
		return product{service: "AmazonEC2", usage: ec2Usage(f[1]) + name, byRegionCode: true, unit: perHour, attrs: map[string]string{
			"instanceType": name, "operatingSystem": f[0], "tenancy": f[1], "licenseModel": f[2], "preInstalledSw": f[3],
			"capacitystatus": "Used",
		}}, f[0] != "" && f[1] != "" && f[2] != "" && f[3] != ""
	case "rds":
		// f: engine, edition, deployment, licence.
		attrs := map[string]string{"instanceType": name, "databaseEngine": f[0], "deploymentOption": f[2], "licenseModel": f[3]}
		if f[1] != "" {
			attrs["databaseEdition"] = f[1]
		}
		usage := "InstanceUsage:"
		if f[2] == "Multi-AZ" {
			usage = "Multi-AZUsage:"
		}
		return product{service: "AmazonRDS", usage: usage + name, byRegionCode: true, unit: perHour, attrs: attrs}, f[0] != "" && f[2] != "" && f[3] != ""
	}
	return product{}, false
}

// ec2Usage is the usage type's stem of an instance-hour on a tenancy: the
// Price List's on-demand lines are BoxUsage (shared), DedicatedUsage and
// HostUsage, after the region's prefix.
func ec2Usage(tenancy string) string {
	switch tenancy {
	case "Dedicated":
		return "DedicatedUsage:"
	case "Host":
		return "HostUsage:"
	}
	return "BoxUsage:"
}
