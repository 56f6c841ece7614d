// Package readme holds the README's lists to the code: a test names the
// IAM actions its package calls, and the README's policy list must hold
// each of them as a line of its own.
package readme

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// ActionsMarker stands on the line before the fenced block of the README
// that lists the read-only IAM actions.
const ActionsMarker = "<!-- iam-actions -->"

// Path is the README's path.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "README.md")
}

// IAMActions reads the README's read-only action list: the lines of the
// fenced block after ActionsMarker.
func IAMActions(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(Path())
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), ActionsMarker)
	if !ok {
		t.Fatalf("README.md has no %s before its IAM action list", ActionsMarker)
	}
	lines := strings.Split(after, "\n")
	var out []string
	in := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "```") && !in:
			in = true
		case strings.HasPrefix(l, "```"):
			return out
		case in && l != "":
			out = append(out, l)
		}
	}
	t.Fatal("README.md's IAM action list has no closing fence")
	return nil
}

// RequireIAMActions fails t for each of actions that the README's list lacks.
func RequireIAMActions(t testing.TB, actions []string) {
	t.Helper()
	listed := IAMActions(t)
	for _, a := range actions {
		if !slices.Contains(listed, a) {
			t.Errorf("README.md's IAM action list (after %s) does not list %s", ActionsMarker, a)
		}
	}
}

// Section is the README's text between the lines <!-- name --> and
// <!-- /name -->, trimmed: a part of the README that a test makes from code.
func Section(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(Path())
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "<!-- "+name+" -->")
	if !ok {
		t.Fatalf("README.md has no <!-- %s --> section", name)
	}
	body, _, ok := strings.Cut(after, "<!-- /"+name+" -->")
	if !ok {
		t.Fatalf("README.md's <!-- %s --> section has no end", name)
	}
	return strings.TrimSpace(body)
}
