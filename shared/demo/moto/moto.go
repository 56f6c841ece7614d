// Package moto runs moto_server, an independent emulator of the AWS APIs, on
// a loopback port: for `cloudscope demo` and for the integration tests.
package moto

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// AccountID is the account moto serves.
const AccountID = "123456789012"

// Server is a running moto_server.
type Server struct {
	URL    string
	cmd    *exec.Cmd
	log    string
	exited chan error
}

// Start launches moto_server on 127.0.0.1:port (a free port when port is 0)
// and waits until it answers. The binary is $MOTO_SERVER or moto_server on
// PATH (make deps installs it from requirements-dev.txt).
func Start(port int) (*Server, error) {
	bin := os.Getenv("MOTO_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("moto_server"); err != nil {
			return nil, errors.New("moto_server not found on PATH: run 'make deps' (requirements-dev.txt pins moto[server])")
		}
	}
	tries := 1
	if port == 0 {
		tries = 3 // a free port can be taken between the look and the bind
	}
	var lastErr error
	for range tries {
		p := port
		if p == 0 {
			var err error
			if p, err = freePort(); err != nil {
				return nil, err
			}
		} else if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err != nil {
			return nil, fmt.Errorf("port %d is taken: %w", p, err)
		} else {
			l.Close()
		}
		s, err := launch(bin, p)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launch(bin string, port int) (*Server, error) {
	logFile, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Without its thousands of public AMIs: moto's DescribeSnapshots ignores
	// OwnerIds, so their snapshots would read as the account's own (and
	// loading them slows every region's first EC2 call).
	cmd.Env = append(os.Environ(), "MOTO_EC2_LOAD_DEFAULT_AMIS=false")
	// Its own process group, so Close ends moto and anything it spawned; and
	// killed with its parent, so an interrupted test leaves nothing behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logFile.Name(), exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait() }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
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
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
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

// Exited yields moto_server's exit status once the process ends.
func (s *Server) Exited() <-chan error { return s.exited }

// Close stops the server and every process it started.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	os.Remove(s.log)
}

// Reset clears every resource in every region.
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto: status %d", resp.StatusCode)
	}
	return nil
}

// Env returns environment variables that point an AWS SDK or CLI at the
// server with static test credentials, and keep a user's own AWS
// configuration out of the way. Calls make two attempts, not cloudscope's
// ten: the emulator does not throttle, and the calls it cannot serve
// (GetCostForecast) fail with an HTTP 500 that the full policy would retry
// for a minute. A scan reads one region's metrics at a time
// (CLOUDSCOPE_REGIONS_AT_ONCE=1): moto computes one GetMetricData at a
// time, so regions read together only make each call slower, past the HTTP
// timeout on a busy machine. Prices are off (CLOUDSCOPE_PRICE_LIST=off):
// moto has no Price List, and a test that wants prices names a stand-in.
// The wire settings are moto's (awsconf.EmulatorWire: S3 buckets in the
// path, CloudWatch in JSON).
func (s *Server) Env() []string {
	return append([]string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_MAX_ATTEMPTS=2",
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"CLOUDSCOPE_REGIONS_AT_ONCE=1",
		"CLOUDSCOPE_PRICE_LIST=off",
	}, awsconf.EmulatorWire.Env()...)
}
