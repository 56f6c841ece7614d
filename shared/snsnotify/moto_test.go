package snsnotify_test

// Against moto: one publish of a scan's message, and what each kind of
// subscriber receives. moto delivers to sqs (raw or in the SNS envelope)
// and to http(s) endpoints, which it posts to synchronously during Publish;
// it does not deliver email or email-json at all. The email-json endpoint
// is therefore emulated by an http subscription to a receiver on loopback:
// SNS posts an http endpoint the same JSON envelope it mails to an
// email-json address, and both protocols get the "default" body, there
// being no key of their own in the structure. The email body, which moto
// cannot deliver, is read from the publish that moto accepted, by SNS's
// rule (the protocol's key, else "default").

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/notify"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
	"github.com/cloudscope/cloudscope/shared/testkit/schematest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

const account = mototest.AccountID

// recorder passes publishes on to SNS and keeps them.
type recorder struct {
	snsnotify.API
	mu  sync.Mutex
	ins []*sns.PublishInput
}

func (r *recorder) Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error) {
	r.mu.Lock()
	r.ins = append(r.ins, in)
	r.mu.Unlock()
	return r.API.Publish(ctx, in, optFns...)
}

type env struct {
	t     *testing.T
	ctx   context.Context
	sns   *sns.Client
	sqs   *sqs.Client
	posts chan []byte
}

func setup(t *testing.T) *env {
	moto.Reset(t)
	clients := awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{}))
	e := &env{t: t, ctx: context.Background(), sns: snsclient.In(clients, "us-east-1"), sqs: sqs.NewFromConfig(clients.Config()), posts: make(chan []byte, 10)}
	return e
}

func (e *env) topic(name string) string {
	out, err := e.sns.CreateTopic(e.ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.TopicArn)
}

// queue subscribes a new queue to topic, raw or not, with a filter
// policy if one is given; it returns the queue's URL.
func (e *env) queue(topic, name string, raw bool, filter string) string {
	q, err := e.sqs.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	sub, err := e.sns.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:" + account + ":" + name)})
	if err != nil {
		e.t.Fatal(err)
	}
	set := func(k, v string) {
		if _, err := e.sns.SetSubscriptionAttributes(e.ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn,
			AttributeName: aws.String(k), AttributeValue: aws.String(v)}); err != nil {
			e.t.Fatal(err)
		}
	}
	if raw {
		set("RawMessageDelivery", "true")
	}
	if filter != "" {
		set("FilterPolicy", filter)
	}
	return aws.ToString(q.QueueUrl)
}

func (e *env) messages(url string) []sqstypes.Message {
	r, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageAttributeNames: []string{"All"}, WaitTimeSeconds: 0})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Messages
}

// receiver subscribes an http endpoint on loopback to topic, standing in
// for an email-json address; what it is posted arrives on e.posts.
func (e *env) receiver(topic string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.posts <- b
	}))
	e.t.Cleanup(srv.Close)
	if _, err := e.sns.Subscribe(e.ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("http"), Endpoint: aws.String(srv.URL + "/sns")}); err != nil {
		e.t.Fatal(err)
	}
}

// scanMessage is a scan's message: two critical findings (an EC2 instance
// of this account, and an S3 bucket) and a warning.
func scanMessage(n int) (*cloudscope.Snapshot, cloudscope.Message) {
	finished := time.Date(2026, 11, 23, 6, 3, 0, 0, time.UTC)
	f := func(rule string, sev cloudscope.Severity, typ cloudscope.ResourceType, id string) cloudscope.Finding {
		return cloudscope.Finding{ID: rule + "/" + string(typ) + "/us-east-1/" + id, Rule: rule, Severity: sev, Title: "Trouble with " + id,
			ResourceType: typ, ResourceID: id, Region: "us-east-1", Observed: map[string]float64{"max": 99},
			Threshold: cloudscope.Threshold{Value: 90, Op: ">", Unit: "percent", Source: "seed design"},
			Window:    cloudscope.Window{Start: finished.Add(-time.Hour), End: finished}, Recommendation: "Look at " + id + " & fix <it>."}
	}
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "evt-2", FinishedAt: finished, Regions: []string{"us-east-1"}},
		Resources: []cloudscope.Resource{{Type: cloudscope.EC2, ID: "i-0abc", Region: "us-east-1", ARN: "arn:aws:ec2:us-east-1:" + account + ":instance/i-0abc"}}}
	fs := []cloudscope.Finding{f("ec2.high_cpu", cloudscope.Critical, cloudscope.EC2, "i-0abc"), f("s3.public", cloudscope.Critical, cloudscope.S3, "logs")}
	for i := range n {
		fs = append(fs, f("lambda.throttled", cloudscope.Warning, cloudscope.Lambda, fmt.Sprintf("fn-%05d-%s", i, strings.Repeat("x", 60))))
	}
	snap.Findings = fs
	return snap, notify.Renderer{DashboardURL: "https://d111111abcdef8.cloudfront.net/"}.Findings(snap, fs, "evt-1")
}

func TestEachSubscriberGetsItsVariant(t *testing.T) {
	e := setup(t)
	topic, chat := e.topic("cloudscope-findings"), e.topic("cloudscope-chat")
	envelope := e.queue(topic, "envelope", false, "")
	raw := e.queue(topic, "raw", true, "")
	e.receiver(topic)
	chatQueue := e.queue(chat, "chat", true, "")
	// Filter policies from the README.
	onlyCritical := e.queue(topic, "only-critical", true, `{"highest_severity": ["critical"]}`)
	onlyInfo := e.queue(topic, "only-info", true, `{"highest_severity": ["info"]}`)
	thisAccount := e.queue(topic, "this-account", true, `{"accounts": ["`+account+`"]}`)
	otherAccount := e.queue(topic, "other-account", true, `{"accounts": ["210987654321"]}`)
	theseRules := e.queue(topic, "these-rules", true, `{"rules": ["rds.low_storage", "s3.public"]}`)
	otherRules := e.queue(topic, "other-rules", true, `{"rules": ["rds.low_storage"]}`)

	rec := &recorder{API: e.sns}
	_, m := scanMessage(1)
	if err := snsnotify.New(rec, topic).WithChat(rec, chat).Publish(e.ctx, m); err != nil {
		t.Fatal(err)
	}

	// sqs in the SNS envelope: the JSON document, with the attributes.
	got := e.messages(envelope)
	if len(got) != 1 {
		t.Fatalf("%d messages in the envelope queue", len(got))
	}
	var env struct {
		Message           string
		Subject           string
		MessageAttributes map[string]struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(got[0].Body)), &env); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, []byte(env.Message), notify.FindingsSchema)
	a := env.MessageAttributes
	if a["highest_severity"].Value != "critical" || a["critical"].Type != "Number" || a["critical"].Value != "2" || a["kind"].Value != "findings" ||
		a["accounts"].Type != "String.Array" || a["accounts"].Value != `["`+account+`"]` || a["rules"].Value != `["ec2.high_cpu","lambda.throttled","s3.public"]` ||
		env.Subject != m.Subject {
		t.Errorf("envelope attributes %v, subject %q", a, env.Subject)
	}

	// sqs raw: the JSON document itself, attributes as SQS attributes.
	got = e.messages(raw)
	if len(got) != 1 {
		t.Fatalf("%d raw messages", len(got))
	}
	schematest.Validate(t, []byte(aws.ToString(got[0].Body)), notify.FindingsSchema)
	if v := got[0].MessageAttributes["highest_severity"]; aws.ToString(v.StringValue) != "critical" {
		t.Errorf("raw attributes %v", got[0].MessageAttributes)
	}
	if aws.ToString(got[0].Body) != env.Message {
		t.Error("raw and enveloped queues got different documents")
	}

	// The email-json stand-in: the JSON document in SNS's envelope.
	select {
	case post := <-e.posts:
		var n struct{ Type, Message, Subject string }
		if err := json.Unmarshal(post, &n); err != nil || n.Type != "Notification" {
			t.Fatalf("posted %s (%v)", post, err)
		}
		schematest.Validate(t, []byte(n.Message), notify.FindingsSchema)
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was posted to the http endpoint")
	}

	// What moto cannot deliver, read from the publish by SNS's rule.
	if len(rec.ins) != 2 || aws.ToString(rec.ins[0].MessageStructure) != "json" || aws.ToString(rec.ins[0].TopicArn) != topic {
		t.Fatalf("publishes %d", len(rec.ins))
	}
	var structure map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(rec.ins[0].Message)), &structure); err != nil {
		t.Fatal(err)
	}
	bodyFor := func(protocol string) string {
		if b, ok := structure[protocol]; ok {
			return b
		}
		return structure["default"]
	}
	for _, p := range []string{"sqs", "lambda", "http", "https", "email-json"} {
		if bodyFor(p) != env.Message {
			t.Errorf("%s would get another body than the document", p)
		}
	}
	email := bodyFor("email")
	if !strings.Contains(email, "CRITICAL (2)") || !strings.Contains(email, "& fix <it>.") || strings.ContainsAny(email, "{}") {
		t.Errorf("the e-mail body:\n%s", email)
	}

	// The chat topic got the chat form alone.
	got = e.messages(chatQueue)
	if len(got) != 1 || aws.ToString(got[0].Body) != m.Chat {
		t.Fatalf("chat queue: %d messages", len(got))
	}
	schematest.Validate(t, []byte(m.Chat), notify.ChatSchema)
	if aws.ToString(rec.ins[1].TopicArn) != chat || rec.ins[1].MessageStructure != nil {
		t.Errorf("the chat publish: %+v", rec.ins[1])
	}

	// Filter policies: only critical, only this account, only these rules.
	for name, c := range map[string]struct {
		url  string
		want int
	}{"only critical": {onlyCritical, 1}, "only info": {onlyInfo, 0}, "this account": {thisAccount, 1}, "another account": {otherAccount, 0},
		"these rules": {theseRules, 1}, "other rules": {otherRules, 0}} {
		if n := len(e.messages(c.url)); n != c.want {
			t.Errorf("filter %s: %d messages, want %d", name, n, c.want)
		}
	}
}

// TestTheLargestMessageIsAccepted publishes a message cut to the size
// limit: SNS (here moto, which checks the same 256 KiB) takes it whole.
func TestTheLargestMessageIsAccepted(t *testing.T) {
	e := setup(t)
	topic := e.topic("cloudscope-findings")
	raw := e.queue(topic, "raw", true, "")
	_, m := scanMessage(5000)
	if size := len(notify.Structure(m.Bodies)); size > 256*1024 || size < 200*1024 {
		t.Fatalf("a structure of %d bytes: not the case this test is for", size)
	}
	if err := snsnotify.New(e.sns, topic).Publish(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	got := e.messages(raw)
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	var d notify.FindingsDocument
	if err := json.Unmarshal([]byte(aws.ToString(got[0].Body)), &d); err != nil || d.Omitted == 0 || d.Counts.Total != 5002 ||
		!slices.ContainsFunc(d.Findings, func(f notify.FindingEntry) bool { return f.ResourceID == "logs" }) {
		t.Errorf("omitted %d of %d (%v)", d.Omitted, d.Counts.Total, err)
	}
}

func TestAChatTopicThatFailsStillSendsTheMessage(t *testing.T) {
	e := setup(t)
	topic := e.topic("cloudscope-findings")
	raw := e.queue(topic, "raw", true, "")
	_, m := scanMessage(1)
	err := snsnotify.New(e.sns, topic).WithChat(e.sns, "arn:aws:sns:us-east-1:"+account+":no-such-topic").Publish(e.ctx, m)
	if !errors.Is(err, cloudscope.ErrChatUndelivered) {
		t.Fatalf("got %v", err)
	}
	if n := len(e.messages(raw)); n != 1 {
		t.Errorf("%d messages on the topic", n)
	}
	// Without a default body there is nothing SNS would take.
	if err := snsnotify.New(e.sns, topic).Publish(e.ctx, cloudscope.Message{Bodies: map[string]string{"email": "hi"}}); err == nil {
		t.Error("published a structure without a default body")
	}
}
