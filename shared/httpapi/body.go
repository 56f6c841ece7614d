package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// MaxBody is the most a request body may hold. No route reads one: POST
// /scans takes none, or an empty JSON object, which clients send by habit.
const MaxBody = 1 << 10

// emptyBody refuses a request body other than none or an empty JSON object:
// 413 past MaxBody, 415 when it is not declared JSON, 400 when it is not {}.
func emptyBody(r *http.Request) error {
	if r.ContentLength > MaxBody {
		return tooLarge(r.ContentLength)
	}
	if r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return cloudscope.Errorf(cloudscope.CodeInvalid, "the request body could not be read")
	}
	if len(body) > MaxBody {
		return tooLarge(-1)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return cloudscope.Errorf(cloudscope.CodeMediaType, "the body is not declared JSON (Content-Type %q): this route takes no body, or an empty JSON object",
			cloudscope.Clip(r.Header.Get("Content-Type")))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil || len(fields) > 0 {
		return cloudscope.Invalid("body", "this route takes no body, or an empty JSON object {}")
	}
	return nil
}

func tooLarge(n int64) error {
	if n < 0 {
		return cloudscope.Errorf(cloudscope.CodeTooLarge, "the request body is over %d bytes: this route takes no body, or an empty JSON object", MaxBody)
	}
	return cloudscope.Errorf(cloudscope.CodeTooLarge, "the request body is %d bytes, over %d: this route takes no body, or an empty JSON object", n, MaxBody)
}
