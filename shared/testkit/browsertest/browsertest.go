// Package browsertest runs a browser test script (node, playwright-core and
// Debian's Chromium) from a Go test, failing the test when the script fails
// or when a tool it needs is missing.
package browsertest

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Root is the repository's root, where node_modules is.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Run runs `node script` with env added to the test's environment, the
// script's output going to the test log. CHROMIUM names the browser for the
// script (CLOUDSCOPE_CHROMIUM, else chromium on PATH).
func Run(t testing.TB, script string, env ...string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH")
	}
	chromium := os.Getenv("CLOUDSCOPE_CHROMIUM")
	if chromium == "" {
		if chromium, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("chromium is not installed: run make deps (apt-get install chromium)")
		}
	}
	if _, err := os.Stat(filepath.Join(Root(), "node_modules", "playwright-core")); err != nil {
		t.Fatal("playwright-core is not installed: run make web")
	}
	cmd := exec.CommandContext(t.Context(), node, script)
	cmd.Env = append(append(os.Environ(), "CHROMIUM="+chromium), env...)
	cmd.Stdout, cmd.Stderr = logWriter{t}, logWriter{t}
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
}

// Log is a writer into the test log (for a server's log, say).
func Log(t testing.TB) io.Writer { return logWriter{t} }

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
