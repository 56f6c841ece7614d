package deployed

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/appconfig"
)

// TestEveryFunctionDeclaresItsSettings: one manifest per folder of
// functions/, no route served by two, and each required setting has a description for its
// message.
func TestEveryFunctionDeclaresItsSettings(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "..", "..", "functions"))
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
	routes := map[appconfig.Route]string{}
	for _, m := range Manifests {
		declared = append(declared, m.Name)
		for _, k := range m.Required {
			if appconfig.Meaning(k) == "" {
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
		t.Errorf("functions/ has %v, deployed.Manifests declares %v", folders, declared)
	}
}

// env is a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// require is appconfig.Require of the manifest of function name, which
// must have one.
func require(name string, getenv func(string) string) error {
	m, ok := ManifestOf(name)
	if !ok {
		return fmt.Errorf("function %q has no manifest", name)
	}
	return appconfig.Require(m, getenv)
}

func TestRequireNamesTheMissingSetting(t *testing.T) {
	for fn, want := range map[string]string{"digest": appconfig.EnvTable, "bottlenecks": appconfig.EnvTable, "costs": appconfig.EnvTable, "discovery": appconfig.EnvTable} {
		err := require(fn, env(nil))
		if err == nil || !strings.HasPrefix(err.Error(), want+" is not set") || !strings.Contains(err.Error(), "the "+fn+" function") {
			t.Errorf("%s without settings: %v", fn, err)
		}
	}
	if err := require("bottlenecks", env(map[string]string{appconfig.EnvTable: "t"})); err == nil || !strings.Contains(err.Error(), appconfig.EnvStateMachine) {
		t.Errorf("bottlenecks without the state machine: %v", err)
	}
	if err := require("bottlenecks", env(map[string]string{appconfig.EnvTable: "t", appconfig.EnvStateMachine: "arn:aws:states:us-east-1:123456789012:stateMachine:scan"})); err == nil || !strings.Contains(err.Error(), appconfig.EnvShardFunction) {
		t.Errorf("bottlenecks without the shard function: %v", err)
	}
	if err := require("digest", env(map[string]string{appconfig.EnvTable: "t", appconfig.EnvTopic: " "})); err == nil || !strings.Contains(err.Error(), appconfig.EnvTopic) {
		t.Errorf("digest with a blank topic: %v", err)
	}
	for fn, set := range map[string]map[string]string{
		"discovery": {appconfig.EnvTable: "t"}, "metrics": nil, "costs": {appconfig.EnvTable: "t"},
		"bottlenecks": {appconfig.EnvTable: "t", appconfig.EnvStateMachine: "arn:aws:states:us-east-1:123456789012:stateMachine:scan", appconfig.EnvShardFunction: "cloudscope-shard"},
		"digest":      {appconfig.EnvTable: "t", appconfig.EnvTopic: "arn:aws:sns:us-east-1:123456789012:findings"},
	} {
		if err := require(fn, env(set)); err != nil {
			t.Errorf("%s with %v: %v", fn, set, err)
		}
	}
	if err := require("reports", env(nil)); err == nil {
		t.Error("an undeclared function passed")
	}
}

// TestStatesRequireTheirSettings: the scan's states refuse to
// start without their bucket or topic.
func TestStatesRequireTheirSettings(t *testing.T) {
	if err := require("plan", env(map[string]string{appconfig.EnvTable: "t"})); err == nil || !strings.HasPrefix(err.Error(), appconfig.EnvPlanBucket+" is not set") {
		t.Errorf("plan without its bucket: %v", err)
	}
	if err := require("finalize", env(map[string]string{appconfig.EnvTable: "t"})); err == nil || !strings.HasPrefix(err.Error(), appconfig.EnvTopic+" is not set") {
		t.Errorf("finalize without its topic: %v", err)
	}
	for fn, set := range map[string]map[string]string{
		"plan": {appconfig.EnvTable: "t", appconfig.EnvPlanBucket: "plans"}, "shard": {appconfig.EnvTable: "t"},
		"finalize": {appconfig.EnvTable: "t", appconfig.EnvTopic: "arn:aws:sns:us-east-1:123456789012:findings"},
	} {
		if err := require(fn, env(set)); err != nil {
			t.Errorf("%s with %v: %v", fn, set, err)
		}
	}
}
