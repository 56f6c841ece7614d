// Package awserr turns errors from AWS SDK calls into cloudscope errors with a
// code a caller can act on. It classifies by the API error code, the HTTP
// status and the transport's own error types, never by matching message text.
package awserr

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/aws/smithy-go"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// throttleCodes are the error codes AWS services use for rate limiting.
var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestLimitExceeded": true, "TooManyRequestsException": true,
	"RequestThrottled": true, "RequestThrottledException": true, "SlowDown": true,
	"ProvisionedThroughputExceededException": true, "LimitExceededException": true,
}

// accessCodes are the codes for a call the credentials may not make, including
// calls into an opt-in region that is not enabled.
var accessCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"AuthFailure": true, "UnrecognizedClientException": true, "InvalidClientTokenId": true,
	"SignatureDoesNotMatch": true, "ExpiredToken": true, "ExpiredTokenException": true,
	"OptInRequired": true, "InvalidAccessKeyId": true, "AllAccessDisabled": true,
}

// Code returns the API error code of err, or "" when err carries none.
// "UnknownError", the SDK's name for a response that named no code (a
// load balancer's 503 page), counts as none.
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "UnknownError" {
		return apiErr.ErrorCode()
	}
	return ""
}

// Classify returns the cloudscope error code for an error from an AWS call.
func Classify(err error) cloudscope.ErrorCode {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return cloudscope.CodeTimeout
	}
	code := Code(err)
	switch {
	case throttleCodes[code]:
		return cloudscope.CodeThrottled
	case accessCodes[code]:
		return cloudscope.CodeAccessDenied
	case code == "ServiceUnavailable" || code == "ServiceUnavailableException" ||
		code == "InternalError" || code == "InternalFailure" || code == "ServiceException":
		return cloudscope.CodeUnavailable
	}
	if code == "" {
		// No code the service chose: what the HTTP status says. A bare 500
		// stays an upstream error: it says the service failed, not that it
		// will do better later.
		switch status(err) {
		case http.StatusTooManyRequests:
			return cloudscope.CodeThrottled
		case http.StatusBadGateway, http.StatusServiceUnavailable:
			return cloudscope.CodeUnavailable
		case http.StatusGatewayTimeout:
			return cloudscope.CodeTimeout
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return cloudscope.CodeTimeout
	}
	if connectionFailed(err) {
		return cloudscope.CodeUnavailable
	}
	return cloudscope.CodeUpstream
}

// status is the HTTP status of the response err came with, or 0.
func status(err error) int {
	var r interface{ HTTPStatusCode() int }
	if errors.As(err, &r) {
		return r.HTTPStatusCode()
	}
	return 0
}

// connectionFailed reports whether err is a connection that could not be
// made, was reset, or ended before the whole response came.
func connectionFailed(err error) bool {
	var send interface{ ConnectionError() bool } // the SDK's RequestSendError
	var op *net.OpError
	return (errors.As(err, &send) && send.ConnectionError()) || errors.As(err, &op) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Wrap returns err as a *cloudscope.Error classified by Classify, with a
// message safe to show: what was being done and the API's error code. AWS's
// own text, which can name roles and policies, stays in the cause, for logs.
// A context cancellation passes through unchanged.
func Wrap(err error, doing string) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	msg := doing
	switch code := Code(err); {
	case code != "":
		msg += ": " + code
	case Classify(err) == cloudscope.CodeTimeout:
		msg += ": timed out"
	case status(err) >= 400:
		msg += ": " + http.StatusText(status(err))
	case connectionFailed(err):
		msg += ": connection failed"
	default:
		msg += ": request failed"
	}
	return &cloudscope.Error{Code: Classify(err), Message: msg, Err: err}
}

// Detail is AWS's own message for err, on one line, for logs.
func Detail(err error) string {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return ""
	}
	s := apiErr.ErrorMessage()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
