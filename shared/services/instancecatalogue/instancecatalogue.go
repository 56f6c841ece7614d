// Package instancecatalogue builds the instance type catalogue the
// rightsize rules compare sizes in, kept a week in the price cache. It links
// EC2 (DescribeInstanceTypes), the Price List's cache and DynamoDB.
package instancecatalogue

import (
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/services/prices"
)

// InstanceTypes is the instance type catalogue the rightsize rules compare
// sizes in (ec2:DescribeInstanceTypes per region, which the emulator
// serves too), kept a week in the price cache.
func InstanceTypes(conf appconfig.Config, clients *awsconf.Clients) *instancetypes.Client {
	return instancetypes.New(func(region string) instancetypes.API { return ec2client.In(clients, region) }, prices.Cache(conf, clients))
}
