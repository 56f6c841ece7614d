// Package organizationsclient builds cloudscope's Organizations clients in an awsconf.Clients
// set, one per region, so that only the functions that call Organizations link its
// SDK package.
package organizationsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// Home is the Organizations client of the home region (the service is
// global: the SDK sends it to the partition's one endpoint).
func Home(c *awsconf.Clients) *organizations.Client {
	return awsconf.Client(c, "organizations", c.DefaultRegion(), func(cfg aws.Config) *organizations.Client { return organizations.NewFromConfig(cfg) })
}
