// Package snsclient builds cloudscope's SNS clients in an awsconf.Clients
// set, one per region, so that only the functions that call SNS link its
// SDK package.
package snsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the SNS client for region (a topic's, from its ARN).
func In(c *awsconf.Clients, region string) *sns.Client {
	return awsconf.Client(c, "sns", region, func(cfg aws.Config) *sns.Client {
		return sns.NewFromConfig(cfg, func(o *sns.Options) { o.Region = region })
	})
}
