// Package elbv2client builds cloudscope's Elastic Load Balancing v2 (application, network and gateway load balancers) clients in an awsconf.Clients
// set, one per region, so that only the functions that call Elastic Load Balancing v2 (application, network and gateway load balancers) link its
// SDK package.
package elbv2client

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the Elastic Load Balancing v2 (application, network and gateway load balancers) client for region.
func In(c *awsconf.Clients, region string) *elasticloadbalancingv2.Client {
	return awsconf.Client(c, "elasticloadbalancingv2", region, func(cfg aws.Config) *elasticloadbalancingv2.Client {
		return elasticloadbalancingv2.NewFromConfig(cfg, func(o *elasticloadbalancingv2.Options) { o.Region = region })
	})
}
