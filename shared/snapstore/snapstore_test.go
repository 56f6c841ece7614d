package snapstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The slim form keeps every field filters and sorts read, and nothing else.
func TestSlimRoundTrip(t *testing.T) {
	created := time.Date(2026, 11, 1, 6, 0, 0, 123, time.UTC)
	rs := []cloudscope.Resource{
		{AccountID: "111111111111", Type: cloudscope.EC2, ID: "i-1", Name: "web", Region: "eu-west-1", State: "running", CreatedAt: &created,
			Tags: map[string]string{"team": "payments", "env": ""}, ARN: "arn:x", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}},
		{Type: cloudscope.S3, ID: "bucket", Region: "us-east-1"},
	}
	b, err := encodeSlim(rs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSlim(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		want := Slim(rs[i])
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%d: %+v, want %+v", i, got[i], want)
		}
	}
	if _, err := decodeSlim(b[:len(b)-3]); err == nil {
		t.Error("a slim chunk cut short was read")
	}
}
