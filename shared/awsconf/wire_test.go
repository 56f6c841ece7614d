package awsconf_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// A derived client set (a member account's) speaks as its base does,
// whatever the environment says.
func TestDerivedClientsKeepTheWire(t *testing.T) {
	t.Setenv(awsconf.EnvS3PathStyle, "")
	t.Setenv(awsconf.EnvCloudWatchProtocol, "")
	base := awsconf.NewClientsWith(aws.Config{Region: "us-east-1"}, awsconf.EmulatorWire)
	if got := base.Derive(aws.Config{Region: "eu-west-1"}).Wire(); got != awsconf.EmulatorWire {
		t.Errorf("derived wire %+v, want the base's %+v", got, awsconf.EmulatorWire)
	}
}
