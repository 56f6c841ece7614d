// Package ec2client builds cloudscope's EC2 clients in an awsconf.Clients
// set, one per region, so that only the functions that call EC2 link its
// SDK package.
package ec2client

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the EC2 client for region.
func In(c *awsconf.Clients, region string) *ec2.Client {
	return awsconf.Client(c, "ec2", region, func(cfg aws.Config) *ec2.Client {
		return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
	})
}
