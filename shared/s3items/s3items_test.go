package s3items

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// TestPutJSONWritesWhatTheMapReads writes a plan to the emulator's S3, reads
// it back as the item reader would (one JSON array), and holds IAMActions to
// the calls the writer made.
func TestPutJSONWritesWhatTheMapReads(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	var mu sync.Mutex
	var calls []string
	observe := awsstub.Observe(func(c awsstub.Call) {
		mu.Lock()
		calls = append(calls, c.Service+"."+c.Operation)
		mu.Unlock()
	})
	clients := moto.Clients(t)
	if _, err := s3client.In(clients, "us-east-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plans")}); err != nil {
		t.Fatal(err)
	}
	observed := awsconf.NewClients(moto.Config(t, "", awsconf.Options{APIOptions: []func(*middleware.Stack) error{observe}}))
	w := New(s3client.In(observed, "us-east-1"), "plans")
	shards := []cloudscope.Shard{{ScanID: "s1", AccountID: "111111111111", Region: "us-east-1"}, {ScanID: "s1", AccountID: "222222222222", Region: "eu-west-1", Types: []cloudscope.ResourceType{"ec2"}}}
	for range 2 { // a retried plan writes the same key again
		bucket, err := w.PutJSON(ctx, "plans/s1.json", shards)
		if err != nil || bucket != "plans" {
			t.Fatalf("put: %q %v", bucket, err)
		}
	}
	obj, err := s3client.In(clients, "us-east-1").GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("plans"), Key: aws.String("plans/s1.json")})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(obj.Body)
	var back []cloudscope.Shard
	if err := json.Unmarshal(raw, &back); err != nil || len(back) != 2 || back[1].Key() != "222222222222#eu-west-1#ec2" || aws.ToString(obj.ContentType) != "application/json" {
		t.Errorf("read back %s (%v) as %s", raw, err, aws.ToString(obj.ContentType))
	}
	// IAMActions names exactly the calls made.
	var actions []string
	for _, c := range calls {
		a := "s3:" + strings.TrimPrefix(c, "S3.")
		if !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	if !slices.Equal(actions, IAMActions) {
		t.Errorf("calls %v, IAMActions %v", calls, IAMActions)
	}
}

func TestPutJSONSaysWhatFailed(t *testing.T) {
	moto.Reset(t)
	w := New(s3client.In(moto.Clients(t), "us-east-1"), "no-such-bucket")
	if _, err := w.PutJSON(context.Background(), "plans/s1.json", []int{1}); err == nil || !strings.Contains(err.Error(), "s3 PutObject of plans/s1.json: NoSuchBucket") {
		t.Errorf("a missing bucket: %v", err)
	}
	if _, err := w.PutJSON(context.Background(), "plans/s2.json", func() {}); err == nil || !strings.Contains(err.Error(), "encode plans/s2.json") {
		t.Errorf("a value JSON cannot hold: %v", err)
	}
}
