// Package dynamodbclient builds cloudscope's DynamoDB clients in an awsconf.Clients
// set, one per region, so that only the functions that call DynamoDB link its
// SDK package.
package dynamodbclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// In is the DynamoDB client for region.
func In(c *awsconf.Clients, region string) *dynamodb.Client {
	return awsconf.Client(c, "dynamodb", region, func(cfg aws.Config) *dynamodb.Client {
		return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Region = region })
	})
}

// Home is the DynamoDB client of the home region (the configuration's).
func Home(c *awsconf.Clients) *dynamodb.Client { return In(c, c.DefaultRegion()) }
