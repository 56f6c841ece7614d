// Package apigw serves an http.Handler to API Gateway HTTP API events
// (payload format 2.0), so that a Lambda function runs exactly the handler
// that `cloudscope serve` mounts on net/http.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cloudscope/cloudscope/shared/httpapi"
)

// Handler returns a Lambda handler that serves h to HTTP API events.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := Request(ctx, ev)
		if err != nil {
			// Answer as the API answers bad input, not with a Lambda error
			// that API Gateway would turn into a bare 500.
			body, _ := json.Marshal(map[string]any{"success": false, "error": map[string]string{
				"code": "invalid_parameter", "message": "the request could not be read: " + err.Error()}})
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusBadRequest,
				Headers:    map[string]string{"Content-Type": "application/json"},
				Body:       string(body),
			}, nil
		}
		w := newResponseWriter()
		h.ServeHTTP(w, req)
		return w.response(), nil
	}
}

// Request builds the net/http request an event describes.
func Request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	path := ev.RawPath
	if path == "" {
		path = "/"
	}
	// A named stage prefixes the path; the routes do not know about it.
	if st := ev.RequestContext.Stage; st != "" && st != "$default" {
		if trimmed, ok := strings.CutPrefix(path, "/"+st); ok && (trimmed == "" || trimmed[0] == '/') {
			path = trimmed
			if path == "" {
				path = "/"
			}
		}
	}
	u := &url.URL{Path: path, RawQuery: ev.RawQueryString}
	if ev.RequestContext.DomainName != "" {
		u.Host = ev.RequestContext.DomainName
	}
	var body []byte
	if ev.Body != "" {
		if ev.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(ev.Body)
			if err != nil {
				return nil, fmt.Errorf("decode request body: %w", err)
			}
			body = b
		} else {
			body = []byte(ev.Body)
		}
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.URL.RawQuery = ev.RawQueryString // keep the query exactly as the client sent it
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		// A person signed in to the dashboard (its API's JWT authorizer
		// checked the token): the routes see the groups.
		req = req.WithContext(httpapi.WithCaller(req.Context(), httpapi.Caller{Groups: httpapi.ParseGroups(a.JWT.Claims["cognito:groups"])}))
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = u.Host
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	req.RequestURI = u.RequestURI()
	return req, nil
}

// responseWriter collects a response in memory.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseWriter() *responseWriter { return &responseWriter{header: http.Header{}} }

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *responseWriter) response() events.APIGatewayV2HTTPResponse {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: map[string]string{}}
	for k, v := range w.header {
		if k == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, v...)
			continue
		}
		resp.Headers[k] = strings.Join(v, ",")
	}
	if utf8.Valid(w.body.Bytes()) {
		resp.Body = w.body.String()
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(w.body.Bytes())
		resp.IsBase64Encoded = true
	}
	return resp
}
