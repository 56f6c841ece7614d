package main

// The artifact tier: the built bootstrap runs under the Lambda Runtime
// Interface Emulator against moto, and each events/discovery fixture gets the
// status and body the API promises.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/httpapi/apitest"
	"github.com/cloudscope/cloudscope/shared/lambdatest"
	"github.com/cloudscope/cloudscope/shared/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestBootstrapServesFixtures(t *testing.T) {
	moto.Reset(t)
	if _, err := demo.Seed(context.Background(), awsconf.NewClients(moto.Config(t, "", awsconf.Options{})), demo.Default, t.Logf); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.Start(t, lambdatest.Bootstrap(t, "discovery"), moto.Env())

	cases := map[string]struct {
		status int
		check  func(t *testing.T, data json.RawMessage, errCode, errParam string)
	}{
		"get-regions.json": {200, func(t *testing.T, data json.RawMessage, _, _ string) {
			if !strings.Contains(string(data), `{"name":"eu-west-1","opt_in_status":"opt-in-not-required"}`) {
				t.Errorf("regions lack eu-west-1: %.300s", data)
			}
		}},
		"get-resources.json": {200, func(t *testing.T, data json.RawMessage, _, _ string) {
			total := len(demo.Default.Instances) + len(demo.Default.Databases) + len(demo.Default.Buckets) + len(demo.Default.Functions)
			var d struct {
				Counts struct{ Total int } `json:"counts"`
				Errors []any               `json:"errors"`
			}
			if err := json.Unmarshal(data, &d); err != nil || d.Counts.Total != total || len(d.Errors) != 0 {
				t.Errorf("want %d resources and no errors; got %+v (%v)", total, d, err)
			}
		}},
		"get-resources-filtered.json": {200, func(t *testing.T, data json.RawMessage, _, _ string) {
			var d struct {
				Counts struct {
					ByType   map[string]int `json:"by_type"`
					ByRegion map[string]int `json:"by_region"`
				} `json:"counts"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				t.Fatal(err)
			}
			// eu-west-1: 2 instances, 1 bucket; us-east-1: 4 instances, 1 bucket.
			if d.Counts.ByType["ec2"] != 6 || d.Counts.ByType["s3"] != 2 || len(d.Counts.ByType) != 2 ||
				d.Counts.ByRegion["eu-west-1"] != 3 || d.Counts.ByRegion["us-east-1"] != 5 {
				t.Errorf("counts %+v", d.Counts)
			}
		}},
		"get-resources-bad-type.json":          {400, wantError("invalid_parameter", "types")},
		"get-resources-malformed-region.json":  {400, wantError("invalid_parameter", "regions")},
		"get-resources-unknown-region.json":    {400, wantError("invalid_parameter", "regions")},
		"get-resources-unknown-parameter.json": {400, wantError("invalid_parameter", "region")},
		"post-resources.json":                  {405, wantError("method_not_allowed", "")},
		"get-unknown-route.json":               {404, wantError("not_found", "")},
	}
	fixtures, err := filepath.Glob("../../events/discovery/*.json")
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range fixtures {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			tc, ok := cases[name]
			if !ok {
				t.Fatalf("fixture %s has no expectation in this test", name)
			}
			event, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(event, &req); err != nil {
				t.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(fn.Invoke(t, event), &resp); err != nil {
				t.Fatalf("reply is not an HTTP API response: %v", err)
			}
			if resp.StatusCode != tc.status || resp.Headers["Content-Type"] != "application/json" {
				t.Fatalf("status %d (%v), want %d: %.500s", resp.StatusCode, resp.Headers, tc.status, resp.Body)
			}
			target := req.RawPath
			if req.RawQueryString != "" {
				target += "?" + req.RawQueryString
			}
			header := map[string][]string{}
			for k, v := range resp.Headers {
				header[k] = []string{v}
			}
			apitest.Conform(t, req.RequestContext.HTTP.Method, target, resp.StatusCode, header, []byte(resp.Body))
			var env struct {
				Success bool            `json:"success"`
				Data    json.RawMessage `json:"data"`
				Error   struct{ Code, Param string }
			}
			if err := json.Unmarshal([]byte(resp.Body), &env); err != nil {
				t.Fatal(err)
			}
			if env.Success != (tc.status == 200) {
				t.Errorf("success=%v with status %d", env.Success, resp.StatusCode)
			}
			tc.check(t, env.Data, env.Error.Code, env.Error.Param)
		})
	}
	if d, err := fn.InitDuration(); err != nil {
		t.Errorf("cold start: %v", err)
	} else {
		t.Logf("cold-start init (INIT REPORT): %s", d)
	}
}

func wantError(code, param string) func(*testing.T, json.RawMessage, string, string) {
	return func(t *testing.T, _ json.RawMessage, gotCode, gotParam string) {
		if gotCode != code || gotParam != param {
			t.Errorf("error %s (param %q), want %s (param %q)", gotCode, gotParam, code, param)
		}
	}
}
