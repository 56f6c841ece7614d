package faultproxy_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/costexplorerclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/rdsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/faultproxy"
)

// backend stands in for the emulator: it answers every request it gets.
func backend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprintf(w, "passed %s %s", r.Host, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func start(t *testing.T, target string, opts faultproxy.Options) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// calls are one SDK call per service and protocol cloudscope uses.
func calls(c *awsconf.Clients) map[string]func(context.Context) error {
	const r = "us-east-1"
	day := func(s string) *string { return aws.String(s) }
	return map[string]func(context.Context) error{
		"ec2 (EC2 query)": func(ctx context.Context) error {
			_, err := ec2client.In(c, r).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		},
		"rds (query)": func(ctx context.Context) error {
			_, err := rdsclient.In(c, r).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
			return err
		},
		"sns (query)": func(ctx context.Context) error {
			_, err := snsclient.In(c, r).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		},
		"lambda (REST-JSON)": func(ctx context.Context) error {
			_, err := lambdaclient.In(c, r).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		},
		"s3 (REST-XML)": func(ctx context.Context) error {
			_, err := s3client.In(c, r).ListBuckets(ctx, &s3.ListBucketsInput{})
			return err
		},
		"cloudwatch (JSON 1.0)": func(ctx context.Context) error {
			_, err := cloudwatchclient.In(c, r).GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now()),
				MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("q"), Expression: aws.String("1")}}})
			return err
		},
		"ce (JSON 1.1)": func(ctx context.Context) error {
			_, err := costexplorerclient.In(c, r).GetCostAndUsage(ctx, &costexplorer.GetCostAndUsageInput{Granularity: cetypes.GranularityDaily,
				Metrics: []string{"UnblendedCost"}, TimePeriod: &cetypes.DateInterval{Start: day("2026-11-01"), End: day("2026-11-02")}})
			return err
		},
		"dynamodb (JSON 1.0)": func(ctx context.Context) error {
			_, err := dynamodbclient.Home(c).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		},
	}
}

func TestEachFaultIsWhatTheSDKRetries(t *testing.T) {
	srv, passed := backend(t)
	p := start(t, srv.URL, faultproxy.Options{})
	cfg, err := sdkconfig.Load(context.Background(), awsconf.Options{Region: "us-east-1", EndpointURL: p.URL, MaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	if err != nil {
		t.Fatal(err)
	}
	clients := awsconf.NewClients(cfg)
	retryer := ec2client.In(clients, "us-east-1").Options().Retryer
	throttles := retry.IsErrorThrottles(retry.DefaultThrottles)
	for _, tc := range []struct {
		kind      faultproxy.Kind
		code      cloudscope.ErrorCode
		throttled bool
	}{
		{faultproxy.Throttle, cloudscope.CodeThrottled, true},
		{faultproxy.Unavailable, cloudscope.CodeUnavailable, false},
		{faultproxy.Reset, cloudscope.CodeUnavailable, false},
	} {
		if err := p.SetFault(tc.kind, 1); err != nil {
			t.Fatal(err)
		}
		p.ResetStats()
		for name, call := range calls(clients) {
			err := call(context.Background())
			if err == nil {
				t.Errorf("%s, %s: the call succeeded", tc.kind, name)
				continue
			}
			if got := awserr.Classify(err); got != tc.code {
				t.Errorf("%s, %s: classified %s, want %s: %v", tc.kind, name, got, tc.code, err)
			}
			if !retryer.IsErrorRetryable(err) {
				t.Errorf("%s, %s: the retry policy would not retry %v", tc.kind, name, err)
			}
			if got := throttles.IsErrorThrottle(err).Bool(); got != tc.throttled {
				t.Errorf("%s, %s: the adaptive rate limiter sees a throttle: %v, want %v (%v)", tc.kind, name, got, tc.throttled, err)
			}
		}
		// One request per call; after a reset, Go's HTTP client sends a GET
		// (Lambda's, S3's) once more by itself on a new connection.
		st := p.Stats()
		if n := len(calls(clients)); st.Requests < n || st.Requests > n+2 || st.Faults[tc.kind] != st.Requests || st.Faulted() != st.Requests {
			t.Errorf("%s: stats %+v, want %d requests, all faulted", tc.kind, st, n)
		}
		services := slices.Sorted(maps.Keys(st.ByService))
		if want := []string{"ce", "dynamodb", "ec2", "lambda", "monitoring", "rds", "s3", "sns"}; !slices.Equal(services, want) {
			t.Errorf("%s: services read from the signatures: %v, want %v", tc.kind, services, want)
		}
	}
	if passed.Load() != 0 {
		t.Errorf("%d faulted requests reached the emulator", passed.Load())
	}
}

// signed is a request that carries a SigV4 credential scope for service.
func signed(t *testing.T, url, service string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader("Action=X"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0 // a reset
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestAdminCallsPassAndTheHostIsKept(t *testing.T) {
	srv, passed := backend(t)
	p := start(t, srv.URL, faultproxy.Options{Kind: faultproxy.Reset, Fraction: 1})
	resp, err := http.Post(p.URL+"/moto-api/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	host := strings.TrimPrefix(p.URL, "http://")
	if resp.StatusCode != 200 || string(body) != "passed "+host+" /moto-api/reset" || passed.Load() != 1 {
		t.Errorf("admin call: %d %q", resp.StatusCode, body)
	}
	if st := p.Stats(); st.Requests != 0 || st.Faulted() != 0 {
		t.Errorf("admin calls counted as AWS requests: %+v", st)
	}
}

func TestFaultsFollowTheSeed(t *testing.T) {
	srv, _ := backend(t)
	run := func(seed uint64) string {
		p := start(t, srv.URL, faultproxy.Options{Kind: faultproxy.Unavailable, Fraction: 0.3, Seed: seed})
		var b strings.Builder
		for range 300 {
			if signed(t, p.URL, "rds") == http.StatusServiceUnavailable {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		if st := p.Stats(); st.Requests != 300 || st.Faults[faultproxy.Unavailable] != strings.Count(b.String(), "x") {
			t.Errorf("stats %+v for %d faults seen", st, strings.Count(b.String(), "x"))
		}
		return b.String()
	}
	a, b, other := run(7), run(7), run(8)
	if a != b {
		t.Errorf("the same seed gave different faults:\n%s\n%s", a, b)
	}
	if a == other {
		t.Error("different seeds gave the same faults")
	}
	if n := strings.Count(a, "x"); n < 60 || n > 120 {
		t.Errorf("%d of 300 requests faulted, want about 90", n)
	}
}

func TestFaultsCanBeLimitedToServices(t *testing.T) {
	srv, _ := backend(t)
	p := start(t, srv.URL, faultproxy.Options{Kind: faultproxy.Throttle, Fraction: 1, Services: []string{"monitoring"}})
	if got := signed(t, p.URL, "rds"); got != http.StatusOK {
		t.Errorf("rds: status %d, want it passed", got)
	}
	if got := signed(t, p.URL, "monitoring"); got != http.StatusBadRequest {
		t.Errorf("monitoring: status %d, want the query protocol's throttling error", got)
	}
	if err := p.SetFault("flood", 0.5); err == nil {
		t.Error("accepted an unknown fault")
	}
}
