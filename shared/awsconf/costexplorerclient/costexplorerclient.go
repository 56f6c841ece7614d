// Package costexplorerclient builds cloudscope's Cost Explorer clients in an awsconf.Clients
// set, one per region, so that only the functions that call Cost Explorer link its
// SDK package.
package costexplorerclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the Cost Explorer client for region (Cost Explorer is served from
// us-east-1).
func In(c *awsconf.Clients, region string) *costexplorer.Client {
	return awsconf.Client(c, "costexplorer", region, func(cfg aws.Config) *costexplorer.Client {
		return costexplorer.NewFromConfig(cfg, func(o *costexplorer.Options) { o.Region = region })
	})
}
