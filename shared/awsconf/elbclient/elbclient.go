// Package elbclient builds cloudscope's classic Elastic Load Balancing clients in an awsconf.Clients
// set, one per region, so that only the functions that call classic Elastic Load Balancing link its
// SDK package.
package elbclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the classic Elastic Load Balancing client for region.
func In(c *awsconf.Clients, region string) *elasticloadbalancing.Client {
	return awsconf.Client(c, "elasticloadbalancing", region, func(cfg aws.Config) *elasticloadbalancing.Client {
		return elasticloadbalancing.NewFromConfig(cfg, func(o *elasticloadbalancing.Options) { o.Region = region })
	})
}
