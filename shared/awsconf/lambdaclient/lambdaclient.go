// Package lambdaclient builds cloudscope's Lambda clients in an awsconf.Clients
// set, one per region, so that only the functions that call Lambda link its
// SDK package.
package lambdaclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the Lambda client for region. AWS_ENDPOINT_URL_LAMBDA
// (awsconf.LambdaEndpoint) sends it elsewhere even when the configuration
// names an endpoint for every service, as pricingclient's setting does.
func In(c *awsconf.Clients, region string) *lambda.Client {
	return awsconf.Client(c, "lambda", region, func(cfg aws.Config) *lambda.Client {
		return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
			o.Region = region
			if e := awsconf.LambdaEndpoint(); e != "" {
				o.BaseEndpoint = aws.String(e)
			}
		})
	})
}
