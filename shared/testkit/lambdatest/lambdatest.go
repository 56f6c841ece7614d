// Package lambdatest runs a function's built `bootstrap` under the Lambda
// Runtime Interface Emulator (aws-lambda-rie) on a loopback port, and invokes
// it with event fixtures, as the artifact test tier needs.
package lambdatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cloudscope/cloudscope/shared/testkit/apitest"
)

// Bootstrap returns the path of the host-arch bootstrap of function name
// (a folder of functions/). It uses $CLOUDSCOPE_BUILD_DIR/<name>/bootstrap when
// that variable is set (make test sets it to the output of make build-host) and
// otherwise builds one into a temporary folder with the same flags.
func Bootstrap(t testing.TB, name string) string {
	t.Helper()
	if dir := os.Getenv("CLOUDSCOPE_BUILD_DIR"); dir != "" {
		path := filepath.Join(dir, name, "bootstrap")
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("CLOUDSCOPE_BUILD_DIR is set but %s is missing: run make build-host", path)
		}
		return path
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./functions/"+name)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("cannot find the repository root from %s", file)
	}
	return root
}

// rieBinary finds aws-lambda-rie: $AWS_LAMBDA_RIE, PATH, then GOPATH/bin.
func rieBinary(t testing.TB) string {
	if p := os.Getenv("AWS_LAMBDA_RIE"); p != "" {
		return p
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "aws-lambda-rie")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("aws-lambda-rie not found: run 'make deps'")
	}
	return p
}

// Function is a bootstrap running under the emulator.
type Function struct {
	url  string
	cmd  *exec.Cmd
	logs *syncBuffer
	stop sync.Once
}

// Start runs bootstrap under aws-lambda-rie with the given extra environment
// and stops it when the test ends.
func Start(t testing.TB, bootstrap string, env []string) *Function {
	t.Helper()
	// Both of the emulator's listeners get a free loopback port: its Runtime
	// API defaults to 127.0.0.1:9001, which two test binaries would share.
	addrs := freeAddrs(t, 2)
	addr, runtimeAPI := addrs[0], addrs[1]
	logs := &syncBuffer{}
	cmd := exec.Command(rieBinary(t), "--runtime-interface-emulator-address", addr, "--runtime-api-address", runtimeAPI, bootstrap)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aws-lambda-rie: %v", err)
	}
	f := &Function{url: "http://" + addr + "/2015-03-31/functions/function/invocations", cmd: cmd, logs: logs}
	t.Cleanup(func() {
		f.Stop()
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-lambda-rie did not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f
}

// freeAddrs returns n distinct free loopback addresses.
func freeAddrs(t testing.TB, n int) []string {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close() // held until all are chosen, so they differ
		addrs = append(addrs, l.Addr().String())
	}
	return addrs
}

// Invoke sends event (JSON) to the function and returns its raw reply.
func (f *Function) Invoke(t testing.TB, event []byte) []byte {
	t.Helper()
	status, body := f.Post(t, event)
	if status != http.StatusOK {
		t.Fatalf("invoke: emulator answered %d: %s", status, body)
	}
	return body
}

// Post sends event (JSON) to the function and returns the emulator's
// status and body, whatever they are.
func (f *Function) Post(t testing.TB, event []byte) (int, []byte) {
	t.Helper()
	status, body, err := f.post(event)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return status, body
}

func (f *Function) post(event []byte) (int, []byte, error) {
	resp, err := http.Post(f.url, "application/json", bytes.NewReader(event))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read reply: %w", err)
	}
	return resp.StatusCode, body, nil
}

// InitFails invokes the function with event and expects its start to have
// failed: the emulator answers 502 with the init error the function
// reported ({"errorMessage", "errorType"}), whose message contains want,
// and the function's own log (not the emulator's "(rapid)" lines) has a
// line containing want. The emulator copies the function's output as it
// comes, so the log is awaited for a while.
func (f *Function) InitFails(t testing.TB, event []byte, want string) {
	t.Helper()
	status, body := f.Post(t, event)
	var reply struct{ ErrorMessage, ErrorType string }
	if status != http.StatusBadGateway || json.Unmarshal(body, &reply) != nil || !strings.Contains(reply.ErrorMessage, want) {
		t.Errorf("invoke answered %d %s; want 502 with an init error naming %s", status, body, want)
	}
	logged := func() bool {
		for _, line := range strings.Split(f.Logs(), "\n") {
			if strings.Contains(line, want) && !strings.Contains(line, "(rapid)") {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(5 * time.Second); !logged(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("the function logged no line naming %s:\n%s", want, f.Logs())
			return
		}
	}
}

var initReport = regexp.MustCompile(`INIT REPORT[^\n]*?durationMs[:=" ]*\s*([0-9.]+)`)

// InitDuration returns the cold-start init time the emulator reported, once
// the function has been invoked at least once.
func (f *Function) InitDuration() (time.Duration, error) {
	m := initReport.FindStringSubmatch(f.logs.String())
	if m == nil {
		return 0, fmt.Errorf("no INIT REPORT in the emulator's output")
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// Stop ends the emulator and the function. It is safe to call more than once.
func (f *Function) Stop() {
	f.stop.Do(func() {
		_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
		_ = f.cmd.Wait()
	})
}

// Logs returns everything the emulator and the function printed so far.
func (f *Function) Logs() string { return f.logs.String() }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reply is a function's answer to an HTTP API fixture, with its JSON envelope decoded.
type Reply struct {
	Status  int
	Headers map[string]string
	Body    string
	Success bool
	Data    json.RawMessage
	Code    string // error code, for errors
	Param   string // the parameter at fault, for invalid input
}

// InvokeFixture sends the API Gateway HTTP API event in file path to the
// function, checks that the reply is an HTTP API response in cloudscope's
// envelope that conforms to the OpenAPI document, and returns it decoded.
func (f *Function) InvokeFixture(t testing.TB, path string) Reply {
	t.Helper()
	event, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(event, &req); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(f.Invoke(t, event), &resp); err != nil {
		t.Fatalf("reply is not an HTTP API response: %v", err)
	}
	if resp.Headers["Content-Type"] != "application/json" {
		t.Errorf("content type %q", resp.Headers["Content-Type"])
	}
	target := req.RawPath
	if req.RawQueryString != "" {
		target += "?" + req.RawQueryString
	}
	header := http.Header{}
	for k, v := range resp.Headers {
		header.Set(k, v)
	}
	apitest.Conform(t, req.RequestContext.HTTP.Method, target, resp.StatusCode, header, []byte(resp.Body))
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   struct{ Code, Param string }
	}
	if err := json.Unmarshal([]byte(resp.Body), &env); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if env.Success != (resp.StatusCode/100 == 2) { // 200, or 202 for a scan started
		t.Errorf("success=%v with status %d", env.Success, resp.StatusCode)
	}
	return Reply{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body, Success: env.Success,
		Data: env.Data, Code: env.Error.Code, Param: env.Error.Param}
}

// OK expects a 200 reply that passes check.
func OK(check func(t *testing.T, r Reply)) Expect { return Expect{Status: http.StatusOK, Check: check} }

// Fails expects an error reply with this status, code and parameter.
func Fails(status int, code, param string) Expect {
	return Expect{Status: status, Check: func(t *testing.T, r Reply) {
		t.Helper()
		if r.Code != code || r.Param != param {
			t.Errorf("error %s (param %q), want %s (param %q): %s", r.Code, r.Param, code, param, r.Body)
		}
	}}
}

// BenchmarkColdStart starts function name's bootstrap under aws-lambda-rie
// b.N times and invokes it once with the fixture each time: it reports the
// function's init time (the emulator's INIT REPORT) and the time from
// launching the emulator to the first reply.
func BenchmarkColdStart(b *testing.B, name, fixture string, env []string) {
	bootstrap := Bootstrap(b, name)
	event, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	var initTotal, readyTotal time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		fn := Start(b, bootstrap, env)
		fn.Invoke(b, event)
		readyTotal += time.Since(start)
		d, err := fn.InitDuration()
		if err != nil {
			b.Fatal(err)
		}
		initTotal += d
		n++
		fn.Stop()
	}
	b.ReportMetric(float64(initTotal.Microseconds())/float64(n)/1000, "init-ms")
	b.ReportMetric(float64(readyTotal.Microseconds())/float64(n)/1000, "launch-to-first-reply-ms")
}

// Expect is what a fixture's reply must be: its status, and a check of the rest.
type Expect struct {
	Status int
	Check  func(t *testing.T, r Reply)
}

// ServeFixtures invokes the function with every fixture in dir and holds each
// reply to its expectation, named by the fixture's file name. A fixture
// without an expectation, or an expectation without a fixture, fails the test.
func (f *Function) ServeFixtures(t *testing.T, dir string, expect map[string]Expect) {
	t.Helper()
	fixtures, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(fixtures) != len(expect) {
		t.Errorf("%d fixtures in %s and %d expectations: every fixture needs one", len(fixtures), dir, len(expect))
	}
	for _, path := range fixtures {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			e, ok := expect[name]
			if !ok {
				t.Fatalf("fixture %s has no expectation", name)
			}
			r := f.InvokeFixture(t, path)
			if r.Status != e.Status {
				t.Fatalf("status %d, want %d: %.500s", r.Status, e.Status, r.Body)
			}
			if e.Check != nil {
				e.Check(t, r)
			}
		})
	}
}
