// Package mototest gives integration tests a moto server (one per test
// binary, reset between tests) and AWS configurations pointing at it.
package mototest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/demo/moto"
)

// AccountID is the account moto serves.
const AccountID = moto.AccountID

// Server is a moto server for tests.
type Server struct{ *moto.Server }

// Main runs a test package's tests with one moto server, available as *srv,
// and stops the server afterwards. Call it from TestMain. It sets the
// emulator's wire settings (awsconf.EmulatorWire) for the whole test binary.
func Main(m *testing.M, srv **Server) int {
	for _, kv := range awsconf.EmulatorWire.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	s, err := moto.Start(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mototest:", err)
		return 1
	}
	defer s.Close()
	*srv = &Server{s}
	return m.Run()
}

// Reset clears every resource in every region.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	if err := s.Server.Reset(context.Background()); err != nil {
		t.Fatal(err)
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
	// The emulator does not throttle: two attempts, a few milliseconds
	// apart, unless a test asks for more.
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 2
	}
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = 10 * time.Millisecond
	}
	cfg, err := sdkconfig.Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("aws config for moto: %v", err)
	}
	return cfg
}

// Clients are the clients of the server's default account in us-east-1,
// as most tests use them.
func (s *Server) Clients(t testing.TB) *awsconf.Clients {
	t.Helper()
	return awsconf.NewClients(s.Config(t, "", awsconf.Options{}))
}
