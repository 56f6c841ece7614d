package awserr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

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
}
