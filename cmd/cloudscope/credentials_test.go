package main

// A person at a laptop with no AWS credentials: the commands that read the
// account stop with one line saying how to sign in; serve starts, but its
// API answers credentials_missing until the person signs in.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/testkit/apitest"
)

// noCredentials empties every source of the SDK's credential chain; calls
// would go to the emulator, never beyond loopback.
func noCredentials(t *testing.T) {
	for _, kv := range emulator.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
}

const signIn = "cloudscope: no AWS credentials found: run `aws configure` (access keys) or `aws sso login` (SSO)"

func TestCommandsWithoutCredentialsSayHowToSignIn(t *testing.T) {
	noCredentials(t)
	for _, args := range [][]string{
		{"resources", "--regions", "us-east-1"},
		{"scan", "--regions", "us-east-1"},
		{"metrics", "--type", "ec2", "--ids", "i-0123456789abcdef0", "--region", "us-east-1"},
		{"costs", "--days", "7"},
	} {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		stderr := errb.String()
		if code != 1 || !strings.HasPrefix(stderr, signIn) || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "make demo") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line saying how to sign in", args, code, stderr)
		}
		if strings.Contains(stderr, "IMDS") || out.Len() != 0 {
			t.Errorf("%v: stdout %q, stderr %q", args, out.String(), stderr)
		}
	}
}

func TestServeWithoutCredentialsAnswersCredentialsMissingUntilSignedIn(t *testing.T) {
	emulator.Reset(t)
	noCredentials(t)
	credentials := filepath.Join(t.TempDir(), "credentials") // `aws configure` writes it later
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentials)

	var mu sync.Mutex
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	conf, err := appconfig.From(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	urls := make(chan string, 1)
	env := &environment{conf: conf, log: slog.New(slog.NewTextHandler(logs, nil)), stdout: io.Discard, stderr: io.Discard,
		listening: func(u string) { urls <- u }, now: clock}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, env, []string{"--addr", "127.0.0.1:0"}) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-served:
		served <- err
		t.Fatalf("serve did not start: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"no AWS credentials found: run `aws configure`") ||
		!strings.Contains(logs.String(), "until you sign in, the API and the page answer credentials_missing") {
		t.Errorf("the start did not say what is missing:\n%s", logs.String())
	}

	get := func(path string) (int, string, []byte) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			apitest.Conform(t, "GET", path, resp.StatusCode, resp.Header, body)
		}
		return resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	missing := func(path string) {
		t.Helper()
		status, _, body := get(path)
		var env struct {
			Success bool
			Error   struct{ Code, Message string }
		}
		if err := json.Unmarshal(body, &env); err != nil || status != http.StatusServiceUnavailable || env.Success ||
			env.Error.Code != "credentials_missing" || !strings.Contains(env.Error.Message, "aws configure") {
			t.Errorf("GET %s: %d %s; want 503 credentials_missing", path, status, body)
		}
	}
	missing("/resources?regions=us-east-1")
	missing("/costs")
	if status, typ, _ := get("/"); status != http.StatusOK || !strings.HasPrefix(typ, "text/html") {
		t.Errorf("the page: %d %s", status, typ)
	}
	if status, _, _ := get("/openapi.yaml"); status != http.StatusOK {
		t.Errorf("/openapi.yaml: %d", status)
	}

	// The person signs in; the failed check stands for 30 s, then the next
	// request checks again and goes through.
	if err := os.WriteFile(credentials, []byte("[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	advance(29 * time.Second)
	missing("/regions")
	advance(time.Second)
	status, _, body := get("/regions")
	var regions struct {
		Success bool
		Data    struct{ Regions []struct{ Name string } }
	}
	if err := json.Unmarshal(body, &regions); err != nil || status != http.StatusOK || !regions.Success || len(regions.Data.Regions) == 0 {
		t.Errorf("signed in: %d %s", status, body)
	}
}

// lockedBuffer is a log the server writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
