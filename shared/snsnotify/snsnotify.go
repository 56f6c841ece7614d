// Package snsnotify publishes scan notifications to an SNS topic: one
// publish with a body per protocol (MessageStructure json), with message
// attributes that subscribers can filter on; and, when a chat topic is
// set, the message's chat form to that topic. It renders nothing itself
// (shared/notify does).
package snsnotify

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/notify"
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

// Notifier publishes to one topic, and the chat form to a chat topic.
type Notifier struct {
	client API
	topic  string

	chatClient API
	chatTopic  string
}

// New returns a notifier for the topic ARN.
func New(client API, topicARN string) *Notifier { return &Notifier{client: client, topic: topicARN} }

// WithChat makes n also publish each message's chat form (Message.Chat)
// to the chat topic, which Amazon Q Developer in chat applications (AWS
// Chatbot) channels subscribe to.
func (n *Notifier) WithChat(client API, topicARN string) *Notifier {
	n.chatClient, n.chatTopic = client, topicARN
	return n
}

// Publish sends m in one publish: its bodies as a JSON structure (SNS
// gives each subscriber its protocol's body, or "default"), its subject,
// and its attributes (whole numbers as SNS Numbers, so filter policies can
// compare them; lists as String.Array). Then its chat form, if any, to the
// chat topic: a failure there is returned wrapping
// cloudscope.ErrChatUndelivered, the message itself having been sent.
func (n *Notifier) Publish(ctx context.Context, m cloudscope.Message) error {
	if m.Bodies[cloudscope.BodyDefault] == "" {
		return fmt.Errorf("snsnotify: the message has no %q body, which SNS requires", cloudscope.BodyDefault)
	}
	attrs := map[string]snstypes.MessageAttributeValue{}
	for k, v := range m.Attributes {
		typ := "String"
		if _, err := strconv.Atoi(v); err == nil {
			typ = "Number"
		}
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String(typ), StringValue: aws.String(v)}
	}
	for k, v := range m.Lists {
		if len(v) > 0 {
			attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String.Array"), StringValue: aws.String(notify.ArrayValue(v))}
		}
	}
	subject := m.Subject
	if len(subject) > 100 { // SNS's limit for e-mail subjects
		subject = subject[:97] + "..."
	}
	_, err := n.client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(n.topic), Subject: aws.String(subject),
		Message: aws.String(notify.Structure(m.Bodies)), MessageStructure: aws.String("json"), MessageAttributes: attrs})
	if err != nil {
		return awserr.Wrap(err, "sns Publish")
	}
	if n.chatTopic == "" || m.Chat == "" {
		return nil
	}
	// The chat form is the whole message: the chat service reads it as is.
	if _, err := n.chatClient.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(n.chatTopic), Message: aws.String(m.Chat)}); err != nil {
		return fmt.Errorf("%w: %w", cloudscope.ErrChatUndelivered, awserr.Wrap(err, "sns Publish to the chat topic"))
	}
	return nil
}
