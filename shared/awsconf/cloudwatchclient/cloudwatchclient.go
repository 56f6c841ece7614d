// Package cloudwatchclient builds cloudscope's CloudWatch clients in an
// awsconf.Clients set, one per region, so that only the functions that read
// metrics link its SDK package.
package cloudwatchclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the CloudWatch client for region. When the wire settings say so
// (awsconf.EnvCloudWatchProtocol=json) it speaks the JSON 1.0 protocol and
// sends uncompressed bodies: the client defaults to Smithy RPC v2 CBOR and
// gzips large PutMetricData bodies, which emulators do not all understand.
// AWS accepts both.
func In(c *awsconf.Clients, region string) *cloudwatch.Client {
	return awsconf.Client(c, "cloudwatch", region, func(cfg aws.Config) *cloudwatch.Client {
		return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
			o.Region = region
			if c.Wire().CloudWatchJSON {
				o.Protocol = awsjson.New10(cwschemas.GraniteServiceVersion20100801)
				o.DisableRequestCompression = true
			}
		})
	})
}
