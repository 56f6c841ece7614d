package snapstore

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
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

// A slim chunk of version 1 (written before version 2) still reads.
func TestSlimVersion1Reads(t *testing.T) {
	created := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	r := cloudscope.Resource{AccountID: "111111111111", Type: cloudscope.EC2, ID: "i-1", Name: "web", Region: "eu-west-1", State: "running", CreatedAt: &created, Tags: map[string]string{"team": "a"}}
	b := binary.AppendUvarint([]byte{1}, 1)
	for _, s := range []string{r.AccountID, string(r.Type), r.ID, r.Name, r.Region, r.State} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(append(b, 1), created.UnixNano())
	b = appendString(appendString(binary.AppendUvarint(b, 1), "team"), "a")
	z, err := gzjson.Compress(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSlim(z)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], r) {
		t.Fatalf("%+v %v", got, err)
	}
}

// A page's resources are decoded from their chunk by position, the
// others skipped unread, however their strings are written.
func TestDecodeAtSkipsTheOthers(t *testing.T) {
	rs := []cloudscope.Resource{
		{ID: `a,"]}{[`, Name: `quote \" and \\`, Tags: map[string]string{"k": "}]"}},
		{ID: "b", Region: "eu-west-1"},
		{ID: "c", Name: "ünïcode"},
		{ID: "d"},
	}
	raw, err := json.MarshalIndent(rs, " ", " ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAt(raw, []int{2, 0, 3})
	if err != nil || len(got) != 3 {
		t.Fatal(got, err)
	}
	for _, i := range []int{0, 2, 3} {
		if !reflect.DeepEqual(got[i], rs[i]) {
			t.Errorf("%d: %+v, want %+v", i, got[i], rs[i])
		}
	}
	if _, err := decodeAt(raw, []int{4}); err == nil {
		t.Error("a position past the chunk was read")
	}
	if _, err := decodeAt(raw[:len(raw)/2], []int{3}); err == nil {
		t.Error("a chunk cut short was read")
	}
}
