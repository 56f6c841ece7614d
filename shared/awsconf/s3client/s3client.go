// Package s3client builds cloudscope's S3 clients in an awsconf.Clients set,
// one per region, so that only the functions that call S3 link its SDK
// package.
package s3client

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the S3 client for region. It addresses buckets in the path when the
// wire settings say so (awsconf.EnvS3PathStyle, for an emulator on a
// loopback address, whose bucket subdomains do not resolve).
func In(c *awsconf.Clients, region string) *s3.Client {
	return awsconf.Client(c, "s3", region, func(cfg aws.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.Region = region
			o.UsePathStyle = c.Wire().S3PathStyle
		})
	})
}
