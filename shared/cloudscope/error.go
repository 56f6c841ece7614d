package cloudscope

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for the boundary that reports it. The HTTP API
// maps each code to one status; anything without a code is internal and its
// text is never shown to a caller.
type ErrorCode string

// Error codes. Upstream codes describe trouble with AWS rather than with the request.
const (
	CodeInvalid      ErrorCode = "invalid_parameter"
	CodeForbidden    ErrorCode = "forbidden"
	CodeNotFound     ErrorCode = "not_found"
	CodeMethod       ErrorCode = "method_not_allowed"
	CodeBusy         ErrorCode = "busy" // too many expensive requests at once: ask again soon
	CodeTooLarge     ErrorCode = "payload_too_large"
	CodeMediaType    ErrorCode = "unsupported_media_type"
	CodeUpstream     ErrorCode = "upstream_error"
	CodeAccessDenied ErrorCode = "upstream_access_denied"
	CodeThrottled    ErrorCode = "upstream_throttled"
	CodeUnavailable  ErrorCode = "upstream_unavailable"
	CodeTimeout      ErrorCode = "upstream_timeout"
	CodeCredentials  ErrorCode = "credentials_missing" // the CLI or local server has no usable AWS credentials; the message says how to sign in
	CodeInternal     ErrorCode = "internal"
)

// Transient reports whether the code names trouble that passes (throttled,
// unavailable, timed out): worth one more try a little later, where access
// denied or an invalid request would fail the same way again.
func (c ErrorCode) Transient() bool {
	return c == CodeThrottled || c == CodeUnavailable || c == CodeTimeout
}

// Error is an error with a code and a message fit to show a caller.
// Param names the request parameter at fault, for CodeInvalid.
type Error struct {
	Code    ErrorCode
	Message string
	Param   string
	Err     error // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid builds a CodeInvalid error about one request parameter; the message
// starts with the parameter's name.
func Invalid(param, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if param != "" {
		msg = param + ": " + msg
	}
	return &Error{Code: CodeInvalid, Param: param, Message: msg}
}

// Errorf builds an error with the given code.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or CodeInternal.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
