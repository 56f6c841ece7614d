// Package pricingclient builds cloudscope's Price List Query API client in
// an awsconf.Clients set, so that only the functions that price findings
// link its SDK package.
package pricingclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// Global is the Price List Query API client; the API is served from
// us-east-1 (and eu-central-1, ap-south-1) whatever region is priced.
// AWS_ENDPOINT_URL_PRICING (awsconf.PricingEndpoint) sends it elsewhere even
// when the configuration names an endpoint for every service (the SDK lets
// an endpoint set in code win over the per-service setting).
func Global(c *awsconf.Clients) *pricing.Client {
	return awsconf.Client(c, "pricing", "us-east-1", func(cfg aws.Config) *pricing.Client {
		return pricing.NewFromConfig(cfg, func(o *pricing.Options) {
			o.Region = "us-east-1"
			if e := awsconf.PricingEndpoint(); e != "" {
				o.BaseEndpoint = aws.String(e)
			}
		})
	})
}
