package discovery

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

func TestNewQuery(t *testing.T) {
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf("xx-test-%d", i))
	}
	for _, tc := range []struct {
		regions, types []string
		want           string // the query printed, for valid input
		param, text    string // for errors: the parameter named and a part of the message
	}{
		{want: "[] []"},
		{regions: []string{""}, types: []string{""}, want: "[] []"},
		{regions: []string{" us-east-1 ", "", "eu-west-1", "us-east-1"}, want: "[us-east-1 eu-west-1] []"},
		{regions: []string{"us-gov-west-1"}, want: "[us-gov-west-1] []"},
		{types: []string{"ec2", "RDS", "s3", "rds"}, want: "[] [ec2 rds s3]"},
		{types: []string{"ec2", "vpc"}, param: "types", text: `types: unknown resource type "vpc"; allowed: ec2, rds, s3, lambda, ebs, ebs-snapshot, eip, nat, elb, dynamodb`},
		{regions: []string{"us_east_1"}, param: "regions", text: `"us_east_1" is not a region name`},
		{regions: []string{"US-EAST-1"}, param: "regions", text: "is not a region name"},
		{regions: []string{"../etc"}, param: "regions", text: "is not a region name"},
		{regions: []string{strings.Repeat("x", 1000)}, param: "regions", text: strings.Repeat("x", 64) + `..." is not`},
		{regions: many, param: "regions", text: "regions: more than 50 values given; at most 50 are allowed"},
	} {
		q, err := resourcequery.NewQuery(tc.regions, tc.types)
		if tc.text != "" {
			ce, ok := err.(*cloudscope.Error)
			if !ok || ce.Code != cloudscope.CodeInvalid || ce.Param != tc.param || !strings.Contains(ce.Message, tc.text) {
				t.Errorf("%v %v: got %v, want invalid %s: %s", tc.regions, tc.types, err, tc.param, tc.text)
			}
			continue
		}
		if got := fmt.Sprint(q.Regions, q.Types); err != nil || got != tc.want {
			t.Errorf("%v %v: got %s %v, want %s", tc.regions, tc.types, got, err, tc.want)
		}
	}
}

func TestCheckRegionsUsesTheCachedList(t *testing.T) {
	acct := newFake()
	var calls awsstub.Counter
	s := New(stubClients(calls.Wrap(acct.handle)), resourcequery.Options{})
	ctx := context.Background()
	if err := s.CheckRegions(ctx, "region", nil); err != nil || calls.Count("EC2.DescribeRegions") != 0 {
		t.Errorf("no names: %v, %d calls", err, calls.Count("EC2.DescribeRegions"))
	}
	for range 3 {
		if err := s.CheckRegions(ctx, "region", []string{"us-east-1", "eu-west-1"}); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"ap-east-1":    `region: region "ap-east-1" is not enabled for this account (not-opted-in); enabled regions: eu-west-1, us-east-1, us-west-2`,
		"xx-nowhere-9": `region: unknown region "xx-nowhere-9"; enabled regions: eu-west-1, us-east-1, us-west-2`,
	} {
		err := s.CheckRegions(ctx, "region", []string{"us-east-1", name})
		if ce, ok := err.(*cloudscope.Error); !ok || ce.Param != "region" || ce.Message != want {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if n := calls.Count("EC2.DescribeRegions"); n != 1 {
		t.Errorf("%d DescribeRegions calls for five checks, want 1", n)
	}
	acct.fail = map[string]error{"us-east-1/EC2.DescribeRegions": awsstub.APIError("AccessDenied", "no")}
	s = New(stubClients(acct.handle), resourcequery.Options{})
	if err := s.CheckRegions(ctx, "region", []string{"us-east-1"}); cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
		t.Errorf("an unreadable list: %v", err)
	}
}

func TestRegionMessagesStayShort(t *testing.T) {
	acct := newFake()
	acct.enabled = nil
	for i := range 30 {
		acct.enabled = append(acct.enabled, fmt.Sprintf("xx-region-%d", i+10))
	}
	err := New(stubClients(acct.handle), resourcequery.Options{}).CheckRegions(context.Background(), "regions", []string{"ap-east-1"})
	if ce, ok := err.(*cloudscope.Error); !ok || len(ce.Message) > 200 || !strings.HasSuffix(ce.Message, "xx-region-15 and 24 more") {
		t.Errorf("got %v", err)
	}
}
