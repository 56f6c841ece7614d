package cloudscope

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestValidRegionName(t *testing.T) {
	for name, want := range map[string]bool{
		"us-east-1": true, "eu-central-2": true, "us-gov-west-1": true, "cn-north-1": true, "ap-southeast-5": true,
		"mx-central-1": true, "eusc-de-east-1": true,
		"": false, "us-east": false, "US-EAST-1": false, "us_east_1": false, "us-east-1 ": false, "../x-1": false,
		"us-east-123": false, "a-b-1": false,
	} {
		if got := ValidRegionName(name); got != want {
			t.Errorf("%q: got %v, want %v", name, got, want)
		}
	}
}

func TestInvalidNamesTheParameter(t *testing.T) {
	err := Invalid("types", "unknown type %q", "vpc")
	if err.Message != `types: unknown type "vpc"` || err.Param != "types" || CodeOf(err) != CodeInvalid {
		t.Errorf("got %#v", err)
	}
}

func TestTimestampJSON(t *testing.T) {
	ts := At(time.Date(2026, 11, 26, 12, 30, 0, 0, time.FixedZone("x", 3600)))
	b, err := json.Marshal(Point{T: ts, V: 1.5})
	if err != nil || string(b) != `{"t":"2026-11-26T11:30:00Z","v":1.5}` {
		t.Fatalf("%s %v", b, err)
	}
	var p Point
	if err := json.Unmarshal(b, &p); err != nil || p.T != ts {
		t.Errorf("round trip: %v %v", p, err)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 100)
	if got := Clip(long); utf8.RuneCountInString(got) != MaxEcho+3 || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
		t.Errorf("Clip(100 runes) = %q", got)
	}
	if Clip("short") != "short" {
		t.Error("Clip changed a short value")
	}
}

func TestList(t *testing.T) {
	got, err := List("regions", []string{" us-east-1 ", "", "eu-west-1", "us-east-1"}, 2)
	if err != nil || strings.Join(got, ",") != "us-east-1,eu-west-1" {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := List("regions", []string{"a", "b", "c"}, 2); err == nil || err.(*Error).Param != "regions" ||
		!strings.Contains(err.Error(), "more than 2 values given") {
		t.Errorf("over the limit: %v", err)
	}
}

func TestValidScanID(t *testing.T) {
	for id, want := range map[string]bool{"manual-20261126T120000Z-ab12": true, "a.b": true, ".": false, "..": false, "...": false, "a/b": false, "": false} {
		if ValidScanID(id) != want {
			t.Errorf("%q: want %v", id, want)
		}
	}
}

func TestShardProgressSaysWhatIsLeft(t *testing.T) {
	raw, err := json.Marshal(ScanStatus{Shards: &ShardProgress{Total: 10, Done: 6, Failed: 1}})
	if err != nil || !strings.Contains(string(raw), `"shards":{"total":10,"done":6,"failed":1,"left":3}`) {
		t.Errorf("%s %v", raw, err)
	}
	var back ScanStatus
	if err := json.Unmarshal(raw, &back); err != nil || *back.Shards != (ShardProgress{Total: 10, Done: 6, Failed: 1}) {
		t.Errorf("read back %+v %v", back.Shards, err)
	}
	if (ShardProgress{Total: 2, Done: 2, Failed: 1}).Left() != 0 {
		t.Error("more finished than planned leaves a negative count")
	}
}

func TestStoredOrderPutsTheAccountFirst(t *testing.T) {
	rs := []Resource{
		{Type: Lambda, ID: "f", Region: "eu-west-1"}, // stored before accounts: last, by region and type
		{AccountID: "222222222222", Type: EC2, ID: "i-1", Region: "eu-west-1"},
		{Type: EC2, ID: "i-0", Region: "us-east-1"},
		{AccountID: "111111111111", Type: Lambda, ID: "a", Region: "us-east-1"},
		{AccountID: "111111111111", Type: EC2, ID: "i-9", Region: "us-east-1"},
		{AccountID: "111111111111", Type: EC2, ID: "i-2", Region: "us-east-1"},
		{AccountID: "111111111111", Type: EC2, ID: "i-5", Region: "eu-west-1"},
	}
	var keys, ids []string
	for key, group := range StoredGroups(rs) {
		keys = append(keys, key)
		for _, r := range group {
			ids = append(ids, r.ID)
		}
	}
	wantKeys := []string{"111111111111#eu-west-1#00", "111111111111#us-east-1#00", "111111111111#us-east-1#03",
		"222222222222#eu-west-1#00", "eu-west-1#03", "us-east-1#00"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("groups %v, want %v", keys, wantKeys)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("group keys do not sort as the groups: %v", keys)
	}
	if want := []string{"i-5", "i-2", "i-9", "a", "i-1", "f", "i-0"}; !slices.Equal(ids, want) {
		t.Errorf("stored order %v, want %v", ids, want)
	}
	for _, k := range wantKeys {
		if r := StoredGroupRegion(k); r != "eu-west-1" && r != "us-east-1" {
			t.Errorf("the region of %s is %q", k, r)
		}
	}
}
