package awsconf_test

import (
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// The wire settings default to AWS's own; a value not known is refused.
func TestWireSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if w, err := awsconf.WireFrom(env(nil)); err != nil || w != (awsconf.Wire{}) {
		t.Errorf("unset: %+v, %v; want AWS's own", w, err)
	}
	if w, err := awsconf.WireFrom(env(map[string]string{awsconf.EnvS3PathStyle: " ON ", awsconf.EnvCloudWatchProtocol: "json"})); err != nil || !w.S3PathStyle || !w.CloudWatchJSON {
		t.Errorf("on, json: %+v, %v", w, err)
	}
	for k, v := range map[string]string{awsconf.EnvS3PathStyle: "yes", awsconf.EnvCloudWatchProtocol: "query"} {
		if _, err := awsconf.WireFrom(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want a refusal naming the setting", k, v, err)
		}
	}

}
