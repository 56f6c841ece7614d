package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cloudscope/cloudscope/shared/httpapi"
)

// echo reports what the handler saw.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("Set-Cookie", "a=1")
	w.Header().Add("Set-Cookie", "b=2")
	w.WriteHeader(http.StatusTeapot)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "regions": r.URL.Query()["regions"],
		"body": string(body), "ua": r.Header.Get("User-Agent"),
	})
})

func TestHandlerCarriesTheRequestThrough(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{
		RawPath:         "/prod/resources",
		RawQueryString:  "regions=us-east-1&regions=eu-west-1",
		Headers:         map[string]string{"user-agent": "curl/8"},
		Body:            base64.StdEncoding.EncodeToString([]byte("hello")),
		IsBase64Encoded: true,
	}
	ev.RequestContext.Stage = "prod"
	ev.RequestContext.HTTP.Method = "POST"
	resp, err := Handler(echo)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := `map[body:hello method:POST path:/resources query:regions=us-east-1&regions=eu-west-1 regions:[us-east-1 eu-west-1] ua:curl/8]`
	if s := fmtMap(got); s != want {
		t.Errorf("handler saw\n %s\nwant\n %s", s, want)
	}
	if resp.StatusCode != http.StatusTeapot || resp.Headers["Content-Type"] != "application/json" || len(resp.Cookies) != 2 || resp.IsBase64Encoded {
		t.Errorf("response %+v", resp)
	}
}

func fmtMap(m map[string]any) string { return fmt.Sprint(m) }

func TestBinaryBodiesAreBase64(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0xff, 0xfe, 0x00}) })
	resp, _ := Handler(h)(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/"})
	if !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00}) || resp.StatusCode != 200 {
		t.Errorf("got %+v", resp)
	}
}

func TestBadBase64IsA400(t *testing.T) {
	resp, err := Handler(echo)(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/", Body: "!!", IsBase64Encoded: true})
	var env struct {
		Success bool
		Error   struct{ Code string }
	}
	if err != nil || resp.StatusCode != 400 || json.Unmarshal([]byte(resp.Body), &env) != nil || env.Success || env.Error.Code != "invalid_parameter" {
		t.Errorf("got %+v, %v", resp, err)
	}
}

// TestFixturesRoundTrip holds every fixture in events/ to the event types:
// a fixture that loses a field on the way through is not what API Gateway sends.
func TestFixturesRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob("../../events/*/*.json")
	if len(paths) == 0 {
		t.Fatal("no fixtures under events/")
	}
	for _, p := range paths {
		switch filepath.Base(filepath.Dir(p)) {
		case "digest", "plan", "shard", "finalize":
			continue // these take the schedule's events and the state machine's payloads, not HTTP requests
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ev); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" || ev.RawPath == "" {
			t.Errorf("%s: not an HTTP API payload 2.0 request", p)
		}
		req, err := Request(context.Background(), ev)
		if err != nil || req.URL.RawQuery != ev.RawQueryString || req.URL.Path != ev.RawPath {
			t.Errorf("%s: request %v %v", p, req.URL, err)
		}
	}
}

// TestPathsThatCleanAreNotFoundInTheEnvelope: in Lambda too, a path with a
// dot step, encoded or not, answers the API's JSON envelope (404), never
// net/http's text.
func TestPathsThatCleanAreNotFoundInTheEnvelope(t *testing.T) {
	h := Handler(httpapi.New(httpapi.Deps{}))
	for _, p := range []string{"/snapshots/%2e%2e", "/scans/%2e%2e", "/snapshots/..", "/scans/../regions", "/%2e%2e/openapi.yaml"} {
		ev := events.APIGatewayV2HTTPRequest{RawPath: p}
		ev.RequestContext.HTTP.Method = "GET"
		res, err := h(context.Background(), ev)
		var env struct {
			Success bool
			Error   struct{ Code string }
		}
		if err != nil || json.Unmarshal([]byte(res.Body), &env) != nil || res.StatusCode != http.StatusNotFound ||
			!strings.HasPrefix(res.Headers["Content-Type"], "application/json") || env.Success || env.Error.Code != "not_found" {
			t.Errorf("GET %s: %d %v %s %v", p, res.StatusCode, res.Headers, res.Body, err)
		}
	}
}

// TestSignedInGroups: a request through the dashboard's JWT authorizer
// carries the person's groups (API Gateway flattens the array claim to
// "[a b]"); one through IAM carries none.
func TestSignedInGroups(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/scans", RequestContext: events.APIGatewayV2HTTPRequestContext{
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"},
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"cognito:groups": "[readers cloudscope-admins]", "sub": "abc"}}},
	}}
	req, err := Request(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := httpapi.CallerOf(req.Context()); !ok || !slices.Equal(c.Groups, []string{"readers", "cloudscope-admins"}) {
		t.Errorf("signed in: %+v %v", c, ok)
	}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{AccessKey: "AKID"}}
	req, _ = Request(context.Background(), ev)
	if c, ok := httpapi.CallerOf(req.Context()); ok {
		t.Errorf("an IAM caller taken for a person: %+v", c)
	}
}
