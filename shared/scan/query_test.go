package scan

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// TestNewFindingsQueryOwnsTheBottlenecksInput: GET /bottlenecks' values are
// checked here, each error naming its parameter, the first in the order
// they are listed.
func TestNewFindingsQueryOwnsTheBottlenecksInput(t *testing.T) {
	q, err := NewFindingsQuery(FindingsInput{})
	if err != nil || q.Source != SourceLatest || q.Regions != nil || q.Accounts != nil || q.Severities != nil {
		t.Errorf("no input: %+v %v", q, err)
	}
	q, err = NewFindingsQuery(FindingsInput{Regions: []string{"eu-west-1", " us-east-1", "eu-west-1"}, Accounts: []string{"111111111111"},
		Severity: []string{"warning", "critical"}, Source: "live"})
	if err != nil || q.Source != SourceLive || !slices.Equal(q.Regions, []string{"eu-west-1", "us-east-1"}) ||
		!slices.Equal(q.Accounts, []string{"111111111111"}) || !slices.Equal(q.Severities, []cloudscope.Severity{cloudscope.Warning, cloudscope.Critical}) {
		t.Errorf("every value: %+v %v", q, err)
	}
	for _, c := range []struct {
		name  string
		in    FindingsInput
		param string
		says  string
	}{
		{"a bad region", FindingsInput{Regions: []string{"mars-1"}, Severity: []string{"loud"}}, "regions", "not a region name"},
		{"a bad account", FindingsInput{Accounts: []string{"42"}, Severity: []string{"loud"}}, "accounts", ""},
		{"a bad severity", FindingsInput{Severity: []string{"warning", "loud"}, Source: "yesterday"}, "severity", `"loud" is not one of critical, warning, info`},
		{"a bad source", FindingsInput{Source: "yesterday"}, "source", `"yesterday" is not latest or live`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewFindingsQuery(c.in)
			var ce *cloudscope.Error
			if !errors.As(err, &ce) || ce.Code != cloudscope.CodeInvalid || ce.Param != c.param || !strings.Contains(ce.Message, c.says) {
				t.Errorf("got %v, want an invalid %s saying %q", err, c.param, c.says)
			}
		})
	}
}

func TestFindingsQueryKeeps(t *testing.T) {
	q := FindingsQuery{Regions: []string{"eu-west-1"}, Severities: []cloudscope.Severity{cloudscope.Critical}}
	for _, c := range []struct {
		region   string
		severity cloudscope.Severity
		want     bool
	}{
		{"eu-west-1", cloudscope.Critical, true},
		{"eu-west-1", cloudscope.Info, false},
		{"us-east-1", cloudscope.Critical, false},
	} {
		if q.Keeps(cloudscope.Finding{Region: c.region, Severity: c.severity}) != c.want {
			t.Errorf("%s %s: kept %v", c.region, c.severity, !c.want)
		}
	}
	if all := (FindingsQuery{}); !all.Keeps(cloudscope.Finding{Region: "us-east-1", Severity: cloudscope.Info}) || !all.InRegion("ap-south-1") {
		t.Error("an empty query keeps everything")
	}
}

func TestListLimitAndIDs(t *testing.T) {
	for v, want := range map[string]int{"": DefaultListLimit, "1": 1, "100": 100} {
		if n, err := ParseListLimit(v); err != nil || n != want {
			t.Errorf("limit %q: %d %v", v, n, err)
		}
	}
	for _, v := range []string{"0", "101", "ten", "-1"} {
		var ce *cloudscope.Error
		if _, err := ParseListLimit(v); !errors.As(err, &ce) || ce.Param != "limit" {
			t.Errorf("limit %q: %v", v, err)
		}
	}
	if err := CheckID("base", "../x", "snapshot"); err == nil || !strings.Contains(err.Error(), "is not a snapshot id") {
		t.Errorf("a bad id: %v", err)
	}
}
