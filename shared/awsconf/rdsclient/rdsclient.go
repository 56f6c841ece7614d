// Package rdsclient builds cloudscope's RDS clients in an awsconf.Clients
// set, one per region, so that only the functions that call RDS link its
// SDK package.
package rdsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the RDS client for region.
func In(c *awsconf.Clients, region string) *rds.Client {
	return awsconf.Client(c, "rds", region, func(cfg aws.Config) *rds.Client {
		return rds.NewFromConfig(cfg, func(o *rds.Options) { o.Region = region })
	})
}
