// Package sfnclient builds cloudscope's Step Functions clients in an awsconf.Clients
// set, one per region, so that only the functions that call Step Functions link its
// SDK package.
package sfnclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// Home is the Step Functions client of the home region (the configuration's).
func Home(c *awsconf.Clients) *sfn.Client {
	return awsconf.Client(c, "sfn", c.DefaultRegion(), func(cfg aws.Config) *sfn.Client { return sfn.NewFromConfig(cfg) })
}
