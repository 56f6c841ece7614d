package lambdaapp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/services/deployed"
)

// manifest is deployed function name's manifest.
func manifest(t *testing.T, name string) appconfig.Manifest {
	m, ok := deployed.ManifestOf(name)
	if !ok {
		t.Fatalf("no manifest for %s", name)
	}
	return m
}

func TestConfigureRefusesAMissingRequiredSetting(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := Configure(manifest(t, "digest"), env(map[string]string{appconfig.EnvTopic: "arn:aws:sns:us-east-1:123456789012:findings"})); err == nil ||
		!strings.HasPrefix(err.Error(), "CLOUDSCOPE_TABLE is not set") {
		t.Errorf("digest without a table: %v", err)
	}
	if _, err := Configure(manifest(t, "discovery"), env(map[string]string{appconfig.EnvTable: "cloudscope", appconfig.EnvConcurrency: "0"})); err == nil || !strings.Contains(err.Error(), appconfig.EnvConcurrency) {
		t.Errorf("a bad value: %v", err)
	}
	conf, err := Configure(manifest(t, "costs"), env(map[string]string{appconfig.EnvTable: "cloudscope"}))
	if err != nil || conf.Table != "cloudscope" {
		t.Errorf("costs with its table: %+v %v", conf, err)
	}
}

func TestReportInitErrorPostsToTheRuntimeAPI(t *testing.T) {
	var path, errType string
	var body map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, errType = r.URL.Path, r.Header.Get("Lambda-Runtime-Function-Error-Type")
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	if err := reportInitError(strings.TrimPrefix(srv.URL, "http://"), "bad configuration: CLOUDSCOPE_TABLE is not set"); err != nil {
		t.Fatal(err)
	}
	if path != "/2018-06-01/runtime/init/error" || errType != initErrorType || body["errorMessage"] != "bad configuration: CLOUDSCOPE_TABLE is not set" ||
		body["errorType"] != initErrorType {
		t.Errorf("posted %s %s %v", path, errType, body)
	}
	if err := reportInitError("", "x"); err != nil {
		t.Errorf("outside Lambda: %v", err)
	}
}
