package cloudscope

import "errors"

// Message is one notification, published once with a body per subscriber
// protocol (SNS's MessageStructure json): a person reads Bodies["email"],
// every other protocol (sqs, lambda, http, https, email-json) gets
// Bodies["default"], a versioned JSON document. Chat is the short form for
// chat channels, published to a topic of their own.
type Message struct {
	Subject string
	// Bodies maps an SNS protocol to its body; "default" is required and
	// serves every protocol without a key of its own.
	Bodies map[string]string
	// Attributes are the attributes subscribers filter on: a value that
	// reads as a whole number is published as a Number, any other as a
	// String (kind, highest_severity, new_findings, critical, warning, info).
	Attributes map[string]string
	// Lists are attributes with several values, published as String.Array
	// (accounts, rules); an empty list is left out.
	Lists map[string][]string
	// Chat is the Amazon Q Developer (AWS Chatbot) custom notification
	// JSON; "" for none.
	Chat string
}

// The protocols a Message has bodies for.
const (
	BodyDefault = "default" // programs: sqs, lambda, http, https, email-json
	BodyEmail   = "email"   // people
)

// ErrChatUndelivered is what a notifier's Publish returns (wrapped) when the
// message reached its topic but its chat form did not reach the chat topic:
// the notification counts as sent (sending it again would repeat it to
// every other subscriber), and the failure is recorded.
var ErrChatUndelivered = errors.New("the chat notification was not delivered")
