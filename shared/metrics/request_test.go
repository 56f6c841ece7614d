package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

func TestNewRequest(t *testing.T) {
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("fn-%d", i)
	}
	ec2 := func(in metricquery.RequestInput) metricquery.RequestInput {
		in.Type, in.IDs, in.Region = "ec2", []string{"i-01234567"}, "us-east-1"
		return in
	}
	for _, tc := range []struct {
		in          metricquery.RequestInput
		want        string // the request, printed, for valid input
		param, text string
	}{
		{in: metricquery.RequestInput{Type: "ec2", IDs: []string{"i-0123456789abcdef0", "i-01234567"}, Region: "us-east-1"},
			want: "us-east-1 [i-0123456789abcdef0 i-01234567] 2026-11-25T12:00:00Z 2026-11-26T12:00:00Z 600 []"},
		{in: metricquery.RequestInput{Type: " Lambda ", IDs: []string{"a", " b", "", "a"}, Region: "eu-west-1", Hours: "1", Stats: []string{"p99", "Sum"}},
			want: "eu-west-1 [a b] 2026-11-26T11:00:00Z 2026-11-26T12:00:00Z 60 [p99 Sum]"},
		{in: ec2(metricquery.RequestInput{Hours: "1"}), want: "us-east-1 [i-01234567] 2026-11-26T11:00:00Z 2026-11-26T12:00:00Z 300 []"},
		{in: metricquery.RequestInput{Type: "rds", IDs: []string{"orders-db"}, Region: "us-east-1", Start: "2026-11-20T00:00:00Z", End: "2026-11-21T00:00:00Z", Period: "3600"},
			want: "us-east-1 [orders-db] 2026-11-20T00:00:00Z 2026-11-21T00:00:00Z 3600 []"},
		{in: metricquery.RequestInput{Type: "s3", IDs: []string{"my-bucket"}, Region: "us-east-1", Hours: "336"},
			want: "us-east-1 [my-bucket] 2026-11-12T00:00:00Z 2026-11-26T12:00:00Z 86400 []"},
		// An end within the clock skew allowance is fine.
		{in: ec2(metricquery.RequestInput{Start: "2026-11-26T11:00:00Z", End: "2026-11-26T12:04:00Z"}),
			want: "us-east-1 [i-01234567] 2026-11-26T11:00:00Z 2026-11-26T12:04:00Z 300 []"},
		{in: metricquery.RequestInput{IDs: []string{"i-01234567"}, Region: "us-east-1"}, param: "resource_type", text: "required"},
		{in: metricquery.RequestInput{Type: "vpc", IDs: []string{"x"}, Region: "us-east-1"}, param: "resource_type", text: "allowed: ec2, rds, s3, lambda"},
		{in: metricquery.RequestInput{Type: "ec2", Region: "us-east-1"}, param: "resource_ids", text: "required"},
		{in: metricquery.RequestInput{Type: "eip", IDs: []string{"eipalloc-01234567"}, Region: "us-east-1"}, param: "resource_type",
			text: "eip resources publish no CloudWatch metrics; types with metrics: ec2, rds, s3, lambda, ebs, nat, elb, dynamodb"},
		{in: metricquery.RequestInput{Type: "ebs-snapshot", IDs: []string{"snap-01234567"}, Region: "us-east-1"}, param: "resource_type", text: "publish no CloudWatch metrics"},
		{in: metricquery.RequestInput{Type: "ebs", IDs: []string{"i-01234567"}, Region: "us-east-1"}, param: "resource_ids", text: "is not a volume id"},
		{in: metricquery.RequestInput{Type: "elb", IDs: []string{"arn:aws:elasticloadbalancing:x"}, Region: "us-east-1"}, param: "resource_ids", text: "is not a load balancer id"},
		{in: metricquery.RequestInput{Type: "nat", IDs: []string{"nat-0123456789abcdef0"}, Region: "us-east-1", Hours: "1"},
			want: "us-east-1 [nat-0123456789abcdef0] 2026-11-26T11:00:00Z 2026-11-26T12:00:00Z 60 []"},
		{in: metricquery.RequestInput{Type: "elb", IDs: []string{"app/shop-alb/0123456789abcdef", "legacy-clb"}, Region: "us-east-1", Hours: "1"},
			want: "us-east-1 [app/shop-alb/0123456789abcdef legacy-clb] 2026-11-26T11:00:00Z 2026-11-26T12:00:00Z 60 []"},
		{in: metricquery.RequestInput{Type: "dynamodb", IDs: []string{"orders"}, Region: "us-east-1", Hours: "1"},
			want: "us-east-1 [orders] 2026-11-26T11:00:00Z 2026-11-26T12:00:00Z 60 []"},
		{in: metricquery.RequestInput{Type: "ec2", IDs: []string{"web-1"}, Region: "us-east-1"}, param: "resource_ids", text: `"web-1" is not an instance id`},
		{in: metricquery.RequestInput{Type: "lambda", IDs: ids, Region: "us-east-1"}, param: "resource_ids", text: "more than 100 values given; at most 100"},
		{in: metricquery.RequestInput{Type: "ec2", IDs: []string{"i-01234567"}}, param: "region", text: "required"},
		{in: metricquery.RequestInput{Type: "ec2", IDs: []string{"i-01234567"}, Region: "us-east-1,eu-west-1"}, param: "region", text: "one region"},
		{in: metricquery.RequestInput{Type: "ec2", IDs: []string{"i-01234567"}, Region: "moon"}, param: "region", text: "not a region name"},
		{in: ec2(metricquery.RequestInput{Stats: []string{"p99"}}), param: "stats", text: `"p99" is not collected for ec2; available: Average, Maximum, Sum, Minimum`},
		{in: ec2(metricquery.RequestInput{Hours: "0"}), param: "hours", text: "from 1 to 10920"},
		{in: ec2(metricquery.RequestInput{Hours: "10921"}), param: "hours", text: "from 1 to 10920"},
		{in: ec2(metricquery.RequestInput{Hours: strings.Repeat("9", 500)}), param: "hours", text: strings.Repeat("9", 64) + `...": want`},
		{in: ec2(metricquery.RequestInput{Hours: "2", Start: "2026-11-20T00:00:00Z"}), param: "hours", text: "not both"},
		{in: ec2(metricquery.RequestInput{End: "2026-11-20T00:00:00Z"}), param: "end", text: "end needs a start"},
		{in: ec2(metricquery.RequestInput{Start: "yesterday"}), param: "start", text: "RFC 3339"},
		{in: ec2(metricquery.RequestInput{Start: "2026-11-21T00:00:00Z", End: "2026-11-20T00:00:00Z"}), param: "start", text: "not before end"},
		{in: ec2(metricquery.RequestInput{Start: "2026-11-27T00:00:00Z"}), param: "start", text: "not before end"},
		{in: ec2(metricquery.RequestInput{Start: "2024-01-01T00:00:00Z"}), param: "start", text: "455 days"},
		{in: ec2(metricquery.RequestInput{Start: "2026-11-26T00:00:00Z", End: "2999-01-01T00:00:00Z"}), param: "end", text: "is in the future"},
		{in: ec2(metricquery.RequestInput{Start: "2026-11-26T00:00:00Z", End: "2026-11-26T12:06:00Z"}), param: "end", text: "is in the future"},
		{in: ec2(metricquery.RequestInput{Period: "90"}), param: "period", text: "multiple of 60"},
		{in: ec2(metricquery.RequestInput{Period: "soon"}), param: "period", text: "whole number"},
		{in: ec2(metricquery.RequestInput{Start: "2026-10-01T00:00:00Z", End: "2026-10-02T00:00:00Z", Period: "60"}), param: "period", text: "multiple of 300"},
		{in: ec2(metricquery.RequestInput{Hours: "48", Period: "60"}), param: "period", text: "2880 points"},
	} {
		t.Run(fmt.Sprintf("%.80v", tc.in), func(t *testing.T) {
			req, err := metricquery.NewRequest(tc.in, now)
			if tc.text != "" {
				ce, ok := err.(*cloudscope.Error)
				if !ok || ce.Code != cloudscope.CodeInvalid || ce.Param != tc.param || !strings.Contains(ce.Message, tc.text) || !strings.HasPrefix(ce.Message, tc.param+": ") {
					t.Fatalf("got %v, want invalid %s: %s", err, tc.param, tc.text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, tg := range req.Targets {
				ids = append(ids, tg.ID)
			}
			got := fmt.Sprintf("%s %v %s %s %d %v", req.Region, ids, req.Window.Start.Format(time.RFC3339), req.Window.End.Format(time.RFC3339), req.Window.Period, req.Stats)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// The documented maximum, hours=10920, is accepted whatever the clock's
// fraction of a second.
func TestMaxHoursIsAccepted(t *testing.T) {
	for _, clock := range []time.Time{now, now.Add(123456789 * time.Nanosecond), now.Add(999999999 * time.Nanosecond)} {
		req, err := metricquery.NewRequest(metricquery.RequestInput{Type: "ec2", IDs: []string{"i-01234567"}, Region: "us-east-1", Hours: "10920"}, clock)
		if err != nil {
			t.Errorf("now %s: %v", clock.Format(time.RFC3339Nano), err)
			continue
		}
		if req.Window.End.After(clock) || clock.Sub(req.Window.End) >= time.Second {
			t.Errorf("now %s: window %v", clock.Format(time.RFC3339Nano), req.Window)
		}
	}
}
