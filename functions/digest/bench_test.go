package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/testkit/lambdatest"
)

// BenchmarkColdStart: the digest function's init time under aws-lambda-rie,
// with the table and topic it requires.
func BenchmarkColdStart(b *testing.B) {
	moto.Reset(b)
	ctx := context.Background()
	clients := awsconf.NewClients(moto.Config(b, "", awsconf.Options{}))
	if err := dynamostore.CreateTable(ctx, dynamodbclient.Home(clients), "cloudscope"); err != nil {
		b.Fatal(err)
	}
	topic, err := snsclient.In(clients, "us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("findings")})
	if err != nil {
		b.Fatal(err)
	}
	lambdatest.BenchmarkColdStart(b, "digest", "../../events/digest/weekly-digest.json",
		append(moto.Env(), "CLOUDSCOPE_TABLE=cloudscope", "CLOUDSCOPE_TOPIC_ARN="+aws.ToString(topic.TopicArn)))
}
