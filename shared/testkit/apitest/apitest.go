// Package apitest holds API responses to the OpenAPI document in tests: the
// status must be documented for the route, and the body must match its schema.
// Responses to routes the document does not have must be error envelopes; a
// 405 must say what the path allows. Every response must carry the security
// headers the document's description promises.
package apitest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/cloudscope/cloudscope/shared/httpapi"
)

var (
	once     sync.Once
	doc      *openapi3.T
	router   routers.Router
	setupErr error
)

func load() {
	loader := openapi3.NewLoader()
	doc, setupErr = loader.LoadFromData(httpapi.OpenAPI)
	if setupErr != nil {
		return
	}
	router, setupErr = legacy.NewRouter(doc)
}

// Conform fails t unless the response (status, headers, body) to a request of
// method and target ("/resources?types=ec2") conforms to the OpenAPI document.
func Conform(t testing.TB, method, target string, status int, header http.Header, body []byte) {
	t.Helper()
	once.Do(load)
	if setupErr != nil {
		t.Fatalf("load OpenAPI document: %v", setupErr)
	}
	u, err := url.Parse("http://cloudscope.invalid" + target)
	if err != nil {
		t.Fatalf("target %q: %v", target, err)
	}
	req := &http.Request{Method: method, URL: u, Header: http.Header{}}
	checkSecurityHeaders(t, method, target, header)
	route, pathParams, err := router.FindRoute(req)
	if err == nil && !exactly(route.Path, u.Path) {
		err = routers.ErrPathNotFound // the router is lenient with slashes
	}
	if err != nil {
		// Not a documented route and method: it must be an error envelope.
		if status < 400 {
			t.Errorf("%s %s: status %d for a route the OpenAPI document lacks", method, target, status)
		}
		if status == http.StatusMethodNotAllowed {
			allow := header.Get("Allow")
			if allow == "" || slices.Contains(strings.Split(allow, ", "), method) {
				t.Errorf("%s %s: 405 with Allow %q", method, target, allow)
			}
		}
		schema := doc.Components.Schemas["ErrorEnvelope"].Value
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s %s: body is not JSON: %v", method, target, err)
			return
		}
		if err := schema.VisitJSON(v); err != nil {
			t.Errorf("%s %s: error body does not match ErrorEnvelope: %v\n%s", method, target, err, body)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{ExcludeRequestBody: true},
		},
		Status:  status,
		Header:  header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: response %d does not conform to the OpenAPI document: %v\n%.2000s", method, target, status, err, body)
	}
}

// checkSecurityHeaders holds a response to the headers the document's
// components.headers require of every response.
func checkSecurityHeaders(t testing.TB, method, target string, header http.Header) {
	t.Helper()
	for name, ref := range doc.Components.Headers {
		h := ref.Value
		if h == nil || !h.Required || h.Schema == nil || h.Schema.Value == nil {
			continue
		}
		v := header.Get(name)
		if v == "" {
			t.Errorf("%s %s: no %s header", method, target, name)
			continue
		}
		if err := h.Schema.Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: header %s: %v", method, target, name, err)
		}
	}
	if header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s %s: Cache-Control %q, want no-store", method, target, header.Get("Cache-Control"))
	}
}

// exactly reports whether path is an instance of the template
// ("/snapshots/{id}/diff"): the same steps, each parameter non-empty.
func exactly(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i, seg := range ts {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if ps[i] == "" {
				return false
			}
		} else if seg != ps[i] {
			return false
		}
	}
	return true
}
