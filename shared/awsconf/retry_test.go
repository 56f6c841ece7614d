package awsconf_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/rdsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
)

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }

// withStatus is err as the SDK returns it with an HTTP response of status.
func withStatus(status int, err error) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}}, Err: err}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestWhatIsRetried(t *testing.T) {
	r := ec2client.In(load(t, awsconf.Options{Region: "us-east-1"}), "us-east-1").Options().Retryer
	for _, tc := range []struct {
		name  string
		err   error
		retry bool
	}{
		{"EC2 throttling", withStatus(503, apiErr("RequestLimitExceeded")), true},
		{"query throttling", withStatus(400, apiErr("Throttling")), true},
		{"JSON throttling", withStatus(400, apiErr("ThrottlingException")), true},
		{"Lambda throttling", withStatus(429, apiErr("TooManyRequestsException")), true},
		{"S3 slow down", withStatus(503, apiErr("SlowDown")), true},
		{"429 without a code", withStatus(429, errors.New("deserialization failed")), true},
		{"503 without a code", withStatus(503, errors.New("deserialization failed")), true},
		{"500", withStatus(500, errors.New("deserialization failed")), true},
		{"502", withStatus(502, errors.New("bad gateway")), true},
		{"504", withStatus(504, errors.New("gateway timeout")), true},
		{"internal error code", withStatus(400, apiErr("InternalFailure")), true},
		{"unavailable code", withStatus(400, apiErr("ServiceUnavailableException")), true},
		{"connection reset while sending", &smithyhttp.RequestSendError{Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}, true},
		{"connection refused", &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}}, true},
		{"round trip timed out", &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "http://x", Err: timeoutErr{}}}, true},
		{"body cut short", withStatus(200, fmt.Errorf("deserialize: %w", io.ErrUnexpectedEOF)), true},
		{"reset while reading the body", withStatus(200, fmt.Errorf("deserialize: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})), true},

		{"access denied", withStatus(403, apiErr("AccessDenied")), false},
		{"access denied exception", withStatus(400, apiErr("AccessDeniedException")), false},
		{"EC2 unauthorized", withStatus(403, apiErr("UnauthorizedOperation")), false},
		{"opt-in region", withStatus(401, apiErr("AuthFailure")), false},
		{"invalid parameter", withStatus(400, apiErr("InvalidParameterValue")), false},
		{"validation", withStatus(400, apiErr("ValidationException")), false},
		{"not found", withStatus(404, apiErr("NoSuchBucket")), false},
		{"cancelled", &aws.RequestCanceledError{Err: context.Canceled}, false},
	} {
		if got := r.IsErrorRetryable(tc.err); got != tc.retry {
			t.Errorf("%s: retried %v, want %v", tc.name, got, tc.retry)
		}
	}
}

func TestBackoffIsExponentialAndCapped(t *testing.T) {
	b := awsconf.Backoff{Base: time.Second, Max: 20 * time.Second}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second,
		6: 20 * time.Second, 9: 20 * time.Second, 200: 20 * time.Second} {
		if got := b.Ceiling(attempt); got != want {
			t.Errorf("ceiling after attempt %d: %s, want %s", attempt, got, want)
		}
	}
	top := awsconf.Backoff{Base: time.Second, Max: 20 * time.Second, Rand: func() float64 { return 0.999999 }}
	if d, _ := top.BackoffDelay(200, nil); d > 20*time.Second || d < 19*time.Second {
		t.Errorf("the longest wait after attempt 200 is %s, want just under the 20s cap", d)
	}
	if awsconf.WorstCaseWait(awsconf.Options{}) != 111*time.Second || awsconf.WorstCaseCall(awsconf.Options{}) != 411*time.Second {
		t.Errorf("worst case: waits %s, call %s; the package comment says 111s and 411s", awsconf.WorstCaseWait(awsconf.Options{}), awsconf.WorstCaseCall(awsconf.Options{}))
	}
}

func TestBackoffIsFullyJittered(t *testing.T) {
	// Through the retryer the clients get: the options' base and cap apply.
	r := ec2client.In(load(t, awsconf.Options{Region: "us-east-1", BaseBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond}), "us-east-1").Options().Retryer
	for _, tc := range []struct {
		attempt int
		ceiling time.Duration
	}{{1, 10 * time.Millisecond}, {3, 40 * time.Millisecond}, {9, 80 * time.Millisecond}} {
		const n = 2000
		lo, hi, sum := time.Hour, time.Duration(0), time.Duration(0)
		for range n {
			d, err := r.RetryDelay(tc.attempt, withStatus(503, apiErr("SlowDown")))
			if err != nil {
				t.Fatal(err)
			}
			lo, hi, sum = min(lo, d), max(hi, d), sum+d
		}
		mean := sum / n
		// Uniform in [0, ceiling): the extremes near both ends, the mean near the middle.
		if hi >= tc.ceiling || hi < tc.ceiling*9/10 || lo > tc.ceiling/10 || mean < tc.ceiling*4/10 || mean > tc.ceiling*6/10 {
			t.Errorf("after attempt %d: waits from %s to %s, mean %s; want uniform in [0, %s)", tc.attempt, lo, hi, mean, tc.ceiling)
		}
	}
}

// describeRegions calls DescribeRegions on an EC2 client pointed at url.
func describeRegions(t *testing.T, c *awsconf.Clients) error {
	t.Helper()
	_, err := ec2client.In(c, "us-east-1").DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{})
	return err
}

func TestBurstOfErrorsDoesNotStarveRetries(t *testing.T) {
	// Every request fails with a plain 503. Each of 60 concurrent calls must
	// make all its attempts: the SDK's retry quota (500 tokens, 14 a retry)
	// would have refused all but about 35 of the 540 retries.
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := load(t, awsconf.Options{Region: "us-east-1", EndpointURL: srv.URL, MaxAttempts: awsconf.DefaultMaxAttempts, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	const calls = 60
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			if err := describeRegions(t, c); err == nil {
				t.Error("a call succeeded against a server that only fails")
			}
		})
	}
	wg.Wait()
	if got := requests.Load(); got != calls*awsconf.DefaultMaxAttempts {
		t.Errorf("%d requests for %d calls, want %d attempts each", got, calls, awsconf.DefaultMaxAttempts)
	}
}

func TestResetsAndOutagesAreRetriedUntilTheyPass(t *testing.T) {
	// The first 7 requests fail: resets, then 503s, then throttling; the 8th succeeds.
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := requests.Add(1); {
		case n <= 3:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.(*net.TCPConn).SetLinger(0) // close with a reset
			conn.Close()
		case n <= 5:
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		case n <= 7:
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>`)
		default:
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo><item><regionName>us-east-1</regionName></item></regionInfo></DescribeRegionsResponse>`)
		}
	}))
	defer srv.Close()
	c := load(t, awsconf.Options{Region: "us-east-1", EndpointURL: srv.URL, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err := describeRegions(t, c); err != nil {
		t.Errorf("failed after %d requests: %v", requests.Load(), err)
	}
	if got := requests.Load(); got != 8 {
		t.Errorf("%d requests, want 7 failures and a success", got)
	}
}

func TestAccessDeniedIsNotRetried(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r</RequestID></Response>`)
	}))
	defer srv.Close()
	c := load(t, awsconf.Options{Region: "us-east-1", EndpointURL: srv.URL, BaseBackoff: time.Millisecond})
	if err := describeRegions(t, c); err == nil || requests.Load() != 1 {
		t.Errorf("%d requests (%v), want one", requests.Load(), err)
	}
}

func TestEachServiceAndRegionHasItsOwnRateLimiter(t *testing.T) {
	c := load(t, awsconf.Options{Region: "us-east-1"})
	east := ec2client.In(c, "us-east-1").Options().Retryer
	if _, ok := east.(*retry.AdaptiveMode); !ok {
		t.Fatalf("retryer is %T, want the adaptive mode", east)
	}
	if east != ec2client.In(c, "us-east-1").Options().Retryer {
		t.Error("one client, two retryers")
	}
	// The adaptive mode's rate limiter lives in its retryer: one retryer per client.
	others := []aws.Retryer{ec2client.In(c, "eu-west-1").Options().Retryer, rdsclient.In(c, "us-east-1").Options().Retryer,
		cloudwatchclient.In(c, "us-east-1").Options().Retryer, lambdaclient.In(c, "us-east-1").Options().Retryer, s3client.In(c, "us-east-1").Options().Retryer}
	for i, r := range others {
		if r == east {
			t.Errorf("client %d shares EC2 us-east-1's retryer", i)
		}
	}
	fixed := ec2client.In(load(t, awsconf.Options{Region: "us-east-1", NoClientRateLimit: true, MaxAttempts: 7}), "us-east-1").Options().Retryer
	if _, ok := fixed.(*retry.Standard); !ok || fixed.MaxAttempts() != 7 {
		t.Errorf("without client-side rate limiting: %T with %d attempts, want the standard mode with 7", fixed, fixed.MaxAttempts())
	}
}
