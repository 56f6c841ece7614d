// Package snsnotify publishes scan notifications to an SNS topic, with
// message attributes that subscribers can filter on.
package snsnotify

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// IAMActions lists the actions the notifier calls.
var IAMActions = []string{"sns:Publish"}

// KMSActions are what publishing to a topic encrypted with a customer key
// needs on that key.
var KMSActions = []string{"kms:Decrypt", "kms:GenerateDataKey"}

// API is the part of the SNS client the notifier calls.
type API interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Notifier publishes to one topic.
type Notifier struct {
	client API
	topic  string
}

// New returns a notifier for the topic ARN.
func New(client API, topicARN string) *Notifier { return &Notifier{client: client, topic: topicARN} }

// Publish sends m. Numeric attributes go as SNS Numbers, so filter policies
// can compare them.
func (n *Notifier) Publish(ctx context.Context, m cloudscope.Message) error {
	attrs := map[string]snstypes.MessageAttributeValue{}
	for k, v := range m.Attributes {
		typ := "String"
		if _, err := strconv.Atoi(v); err == nil {
			typ = "Number"
		}
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String(typ), StringValue: aws.String(v)}
	}
	subject := m.Subject
	if len(subject) > 100 { // SNS's limit for e-mail subjects
		subject = subject[:97] + "..."
	}
	_, err := n.client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(n.topic), Subject: aws.String(subject), Message: aws.String(m.Body), MessageAttributes: attrs})
	if err != nil {
		return awserr.Wrap(err, "sns Publish")
	}
	return nil
}
