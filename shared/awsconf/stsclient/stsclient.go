// Package stsclient builds cloudscope's STS clients in an awsconf.Clients
// set, one per region, so that only the functions that call STS link its
// SDK package.
package stsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// Home is the STS client of the home region (the configuration's).
func Home(c *awsconf.Clients) *sts.Client {
	return awsconf.Client(c, "sts", c.DefaultRegion(), func(cfg aws.Config) *sts.Client { return sts.NewFromConfig(cfg) })
}
