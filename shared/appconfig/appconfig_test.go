package appconfig

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
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

// TestEveryFunctionDeclaresItsSettings: one manifest per folder of
// functions/, the five every deployment has before the organization scan's, no
// route served by two, and each required setting has a description for its
// message.
func TestEveryFunctionDeclaresItsSettings(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
		}
	}
	var declared []string
	routes := map[Route]string{}
	for _, m := range Manifests {
		declared = append(declared, m.Name)
		for _, k := range m.Required {
			if what[k] == "" {
				t.Errorf("%s requires %s, which has no description", m.Name, k)
			}
		}
		for _, r := range m.Routes {
			if other, ok := routes[r]; ok {
				t.Errorf("%s %s is served by %s and %s", r.Method, r.Path, other, m.Name)
			}
			routes[r] = m.Name
		}
		if m.MemoryMB < 128 || m.TimeoutSeconds < 1 || m.TimeoutSeconds > 900 {
			t.Errorf("%s: %d MB, %d s", m.Name, m.MemoryMB, m.TimeoutSeconds)
		}
	}
	if slices.Sort(declared); !slices.Equal(folders, declared) {
		t.Errorf("functions/ has %v, appconfig.Manifests declares %v", folders, declared)
	}
}

func TestRequireNamesTheMissingSetting(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for fn, want := range map[string]string{"digest": EnvTable, "bottlenecks": EnvTable, "costs": EnvTable, "discovery": EnvTable} {
		err := Require(fn, env(nil))
		if err == nil || !strings.HasPrefix(err.Error(), want+" is not set") || !strings.Contains(err.Error(), "the "+fn+" function") {
			t.Errorf("%s without settings: %v", fn, err)
		}
	}
	if err := Require("bottlenecks", env(map[string]string{EnvTable: "t"})); err == nil || !strings.Contains(err.Error(), EnvStateMachine) {
		t.Errorf("bottlenecks without the state machine: %v", err)
	}
	if err := Require("digest", env(map[string]string{EnvTable: "t", EnvTopic: " "})); err == nil || !strings.Contains(err.Error(), EnvTopic) {
		t.Errorf("digest with a blank topic: %v", err)
	}
	for fn, set := range map[string]map[string]string{
		"discovery": {EnvTable: "t"}, "metrics": nil, "costs": {EnvTable: "t"},
		"bottlenecks": {EnvTable: "t", EnvStateMachine: "arn:aws:states:us-east-1:123456789012:stateMachine:scan"},
		"digest":      {EnvTable: "t", EnvTopic: "arn:aws:sns:us-east-1:123456789012:findings"},
	} {
		if err := Require(fn, env(set)); err != nil {
			t.Errorf("%s with %v: %v", fn, set, err)
		}
	}
	if err := Require("reports", env(nil)); err == nil {
		t.Error("an undeclared function passed")
	}
}
