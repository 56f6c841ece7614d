package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// TestParseResourcesQuery covers reading the query string: the list forms,
// unknown parameters, URL encoding. The values' validation is discovery's
// (resourcequery.NewQuery, tested there); a few cases check it is applied.
func TestParseResourcesQuery(t *testing.T) {
	var names []string
	for i := range 51 {
		names = append(names, fmt.Sprintf("xx-test-%d", i))
	}
	many := "regions=us-east-1&regions=" + strings.Join(names, ",")
	for _, tc := range []struct {
		raw         string
		regions     string
		types       string
		param, want string // for errors: the parameter named and a part of the message
	}{
		{raw: "", regions: "[]", types: "[]"},
		{raw: "regions=us-east-1,eu-west-1", regions: "[us-east-1 eu-west-1]", types: "[]"},
		{raw: "regions=us-east-1&regions=eu-west-1", regions: "[us-east-1 eu-west-1]", types: "[]"},
		{raw: "regions[]=us-east-1", param: "regions[]", want: "unknown parameter"},
		{raw: "regions=us-east-1,eu-west-1&regions=us-east-1", regions: "[us-east-1 eu-west-1]", types: "[]"},
		{raw: "regions=%20us-east-1%20,,", regions: "[us-east-1]", types: "[]"},
		{raw: "types=ec2,RDS&types=s3", regions: "[]", types: "[ec2 rds s3]"},
		{raw: "types=ec2,sqs", param: "types", want: `types: unknown resource type "sqs"; allowed: ec2, rds, s3, lambda, ebs, ebs-snapshot, eip, nat, elb, dynamodb`},
		{raw: "regions=us_east_1", param: "regions", want: `"us_east_1" is not a region name`},
		{raw: "region=us-east-1", param: "region", want: `unknown parameter "region"; this route takes: accounts, regions, types`},
		{raw: many, param: "regions", want: "regions: more than 50 values given; at most 50 are allowed"},
		{raw: "regions=%zz", param: "regions", want: "not valid URL encoding"},
		{raw: "%zz=1", param: "%zz", want: "the parameter name is not valid URL encoding"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			q, err := ParseResourcesQuery(tc.raw)
			if tc.want != "" {
				ce, ok := err.(*cloudscope.Error)
				if !ok || ce.Code != cloudscope.CodeInvalid || ce.Param != tc.param || !strings.Contains(ce.Message, tc.want) {
					t.Fatalf("got %v (%#v), want invalid %q: %q", err, err, tc.param, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(q.Regions) != tc.regions || fmt.Sprint(q.Types) != tc.types {
				t.Errorf("got regions %v types %v", q.Regions, q.Types)
			}
		})
	}
}

// FuzzParseResourcesQuery checks that no query string panics the parser and
// that whatever it accepts is within the documented limits.
func FuzzParseResourcesQuery(f *testing.F) {
	for _, s := range []string{"", "regions=us-east-1", "types=ec2,rds&regions=eu-west-1&regions=us-west-2",
		"regions=%zz", "types=", "regions=,,,", "a=b", "regions=us-east-1;types=ec2", "types=EC2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseResourcesQuery(raw)
		if err != nil {
			if cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
				t.Fatalf("error %v is not invalid_parameter", err)
			}
			return
		}
		if len(q.Regions) > cloudscope.MaxListValues || len(q.Types) > len(cloudscope.ResourceTypes) {
			t.Fatalf("accepted too many values: %v", q)
		}
		for _, r := range q.Regions {
			if !cloudscope.ValidRegionName(r) {
				t.Fatalf("accepted region %q", r)
			}
		}
		for _, ty := range q.Types {
			if !ty.Valid() {
				t.Fatalf("accepted type %q", ty)
			}
		}
	})
}
