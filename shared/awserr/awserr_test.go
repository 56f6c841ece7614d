package awserr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// bare is an error with an HTTP status and no API code: a body the SDK
// could not read, such as a load balancer's 503 page.
func bare(status int) error {
	return &smithy.OperationError{ServiceID: "EC2", OperationName: "DescribeInstances", Err: &retry.MaxAttemptsError{Attempt: 10,
		Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: errors.New("deserialization failed")}}}
}

// sendFailed is a request that never got an answer.
func sendFailed(err error) error {
	return &smithy.OperationError{ServiceID: "EC2", OperationName: "DescribeInstances", Err: &smithyhttp.RequestSendError{Err: err}}
}

func api(code string) error {
	// As the SDK returns them: the API error wrapped in an operation error.
	return &smithy.OperationError{ServiceID: "EC2", OperationName: "DescribeInstances",
		Err: &smithy.GenericAPIError{Code: code, Message: "message for " + code}}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want cloudscope.ErrorCode
	}{
		{api("Throttling"), cloudscope.CodeThrottled},
		{api("RequestLimitExceeded"), cloudscope.CodeThrottled},
		{api("TooManyRequestsException"), cloudscope.CodeThrottled},
		{api("ThrottlingException"), cloudscope.CodeThrottled},
		{api("AuthFailure"), cloudscope.CodeAccessDenied},
		{api("UnauthorizedOperation"), cloudscope.CodeAccessDenied},
		{api("AccessDeniedException"), cloudscope.CodeAccessDenied},
		{api("OptInRequired"), cloudscope.CodeAccessDenied},
		{api("ServiceUnavailable"), cloudscope.CodeUnavailable},
		{api("InvalidParameterValue"), cloudscope.CodeUpstream},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), cloudscope.CodeTimeout},
		{fmt.Errorf("dial: %w", timeoutErr{}), cloudscope.CodeTimeout},
		{errors.New("connection refused"), cloudscope.CodeUpstream},
		{bare(503), cloudscope.CodeUnavailable},
		{bare(502), cloudscope.CodeUnavailable},
		{bare(504), cloudscope.CodeTimeout},
		{bare(429), cloudscope.CodeThrottled},
		{bare(500), cloudscope.CodeUpstream},
		{bare(400), cloudscope.CodeUpstream},
		{&smithy.OperationError{Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}},
			Err: &smithy.GenericAPIError{Code: "UnknownError", Message: "UnknownError"}}}, cloudscope.CodeUnavailable}, // EC2's reading of a 503 page
		{sendFailed(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), cloudscope.CodeUnavailable},
		{sendFailed(io.EOF), cloudscope.CodeUnavailable},
		{sendFailed(timeoutErr{}), cloudscope.CodeTimeout},
		{fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), cloudscope.CodeUnavailable},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestWrap(t *testing.T) {
	err := Wrap(api("AuthFailure"), "DescribeInstances in ap-east-1")
	var ce *cloudscope.Error
	if !errors.As(err, &ce) || ce.Code != cloudscope.CodeAccessDenied ||
		ce.Message != "DescribeInstances in ap-east-1: AuthFailure" || Detail(err) != "message for AuthFailure" {
		t.Errorf("got %#v", err)
	}
	if Wrap(nil, "x") != nil {
		t.Error("wrapped nil")
	}
	if err := Wrap(context.Canceled, "x"); err != context.Canceled {
		t.Errorf("cancellation changed: %v", err)
	}
	if err := Wrap(errors.New("dial tcp 10.0.0.1:443: secret detail"), "ListBuckets"); err.(*cloudscope.Error).Message != "ListBuckets: request failed" {
		t.Errorf("transport detail leaked into the message: %v", err.(*cloudscope.Error).Message)
	}
	for err, want := range map[error]string{
		bare(503): "ListBuckets: Service Unavailable",
		sendFailed(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}): "ListBuckets: connection failed",
	} {
		if got := Wrap(err, "ListBuckets").(*cloudscope.Error).Message; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	}
}

func TestTransientCodes(t *testing.T) {
	for code, want := range map[cloudscope.ErrorCode]bool{
		cloudscope.CodeThrottled: true, cloudscope.CodeUnavailable: true, cloudscope.CodeTimeout: true,
		cloudscope.CodeAccessDenied: false, cloudscope.CodeInvalid: false, cloudscope.CodeUpstream: false, cloudscope.CodeInternal: false,
	} {
		if code.Transient() != want {
			t.Errorf("%s: transient %v, want %v", code, !want, want)
		}
	}
}
