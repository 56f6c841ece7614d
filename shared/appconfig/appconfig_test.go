package appconfig

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestFrom(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := From(env(nil))
	if err != nil || c.Discovery.Concurrency != 0 || c.LogLevel != slog.LevelInfo || c.RegionsAtOnce != 0 {
		t.Errorf("defaults: %+v %v", c, err)
	}
	c, err = From(env(map[string]string{EnvConcurrency: "8", EnvLogLevel: "debug"}))
	if err != nil || c.Discovery.Concurrency != 8 || c.LogLevel != slog.LevelDebug {
		t.Errorf("set: %+v %v", c, err)
	}
	if c, err := From(env(map[string]string{EnvPercentiles: "off"})); err != nil || !c.Metrics.NoPercentiles {
		t.Errorf("percentiles off: %+v %v", c, err)
	}
	if c, err := From(env(map[string]string{EnvRegionsAtOnce: "1"})); err != nil || c.RegionsAtOnce != 1 {
		t.Errorf("one region at a time: %+v %v", c, err)
	}
	if c, err := From(env(map[string]string{EnvCostTTL: "90m", EnvTable: "cloudscope-state"})); err != nil || c.Costs.TTL != 90*time.Minute || c.Table != "cloudscope-state" {
		t.Errorf("cost settings: %+v %v", c, err)
	}
	if c, err := From(env(map[string]string{EnvThresholds: `{"high_cpu_percent": 90}`, EnvRetention: "30"})); err != nil ||
		c.Thresholds.HighCPUPercent != 90 || c.Retention != 30*24*time.Hour {
		t.Errorf("scan settings: %+v %v", c, err)
	}
	for k, v := range map[string]string{EnvConcurrency: "0", EnvLogLevel: "loud", EnvPercentiles: "maybe", EnvCostTTL: "5s",
		EnvThresholds: `{"high_cpu_percent": 200}`, EnvRetention: "0", EnvTopic: "my-topic",
		EnvRegionsAtOnce: "0"} {
		if _, err := From(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: got %v, want an error naming the variable", k, v, err)
		}
	}
	if _, err := From(env(map[string]string{EnvConcurrency: "many"})); err == nil {
		t.Error("accepted a non-number")
	}
}

func TestOrganizationSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := From(env(nil))
	if err != nil || !c.Accounts.Self() || c.MemberRole != "cloudscope-reader" || c.ShardConcurrency != 0 {
		t.Errorf("defaults: %+v %v", c, err)
	}
	c, err = From(env(map[string]string{EnvAccounts: "org:ou-ab12-cdef3456", EnvMemberRole: "auditor", EnvShardConcurrency: "32"}))
	if err != nil || c.Accounts.String() != "org:ou-ab12-cdef3456" || c.MemberRole != "auditor" || c.ShardConcurrency != 32 {
		t.Errorf("set: %+v %v", c, err)
	}
	if c, err := From(env(map[string]string{EnvAccounts: "111111111111, 222222222222"})); err != nil || c.Accounts.String() != "111111111111,222222222222" {
		t.Errorf("ids: %+v %v", c.Accounts, err)
	}
	for k, v := range map[string]string{EnvAccounts: "organisation", EnvMemberRole: "a/b", EnvShardConcurrency: "0"} {
		if _, err := From(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: got %v, want an error naming the variable", k, v, err)
		}
	}
}
