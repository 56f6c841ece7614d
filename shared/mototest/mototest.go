// Package mototest runs moto_server, an independent emulator of the AWS APIs,
// on a free loopback port for integration tests, and builds AWS configurations
// that point at it with static test credentials.
package mototest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// AccountID is the account moto serves.
const AccountID = "123456789012"

// Server is a running moto_server.
type Server struct {
	URL string
	cmd *exec.Cmd
	log string
}

// Start launches moto_server on a free loopback port and waits until it answers.
// The binary is $MOTO_SERVER or moto_server on PATH (make deps installs it).
func Start() (*Server, error) {
	bin := os.Getenv("MOTO_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("moto_server"); err != nil {
			return nil, errors.New("moto_server not found on PATH: run 'make deps' (requirements-dev.txt pins moto[server])")
		}
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		logFile, err := os.CreateTemp("", "moto-*.log")
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start moto_server: %w", err)
		}
		s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logFile.Name()}
		logFile.Close()
		if lastErr = s.waitReady(30 * time.Second); lastErr == nil {
			return s, nil
		}
		s.Close()
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(limit time.Duration) error {
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(s.log)
			return fmt.Errorf("moto_server exited (%v): %s", err, tail(out))
		default:
		}
		resp, err := http.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("moto_server did not answer on %s within %s", s.URL, limit)
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Close stops the server and every process it started.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	os.Remove(s.log)
}

// Reset clears every resource in every region.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("reset moto: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset moto: status %d", resp.StatusCode)
	}
}

// Credentials are the static test credentials moto accepts.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("testing", "testing", "")
}

// Config returns an AWS configuration pointing at the server, with the given
// home region (us-east-1 when empty) and extra options.
func (s *Server) Config(t testing.TB, region string, opts awsconf.Options) aws.Config {
	t.Helper()
	if region == "" {
		region = "us-east-1"
	}
	opts.Region, opts.EndpointURL, opts.Credentials = region, s.URL, Credentials()
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 2
	}
	cfg, err := awsconf.Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("aws config for moto: %v", err)
	}
	return cfg
}

// Env returns environment variables that point a child process at the server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(os.TempDir(), "cloudscope-no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(os.TempDir(), "cloudscope-no-aws-credentials"),
	}
}

// Main runs a test package's tests with one moto server, available as *srv,
// and stops the server afterwards. Use it from TestMain.
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mototest:", err)
		return 1
	}
	defer s.Close()
	*srv = s
	return m.Run()
}
