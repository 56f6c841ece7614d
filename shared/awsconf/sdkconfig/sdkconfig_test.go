package sdkconfig

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// The SDK's chain gets awsconf's retry policy, AWS_MAX_ATTEMPTS included,
// and its region check.
func TestLoad(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("k", "s", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	cfg, err := Load(context.Background(), awsconf.Options{Region: "eu-west-1", Credentials: creds, EndpointURL: "http://127.0.0.1:4566"})
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Retryer()
	if _, ok := r.(*retry.AdaptiveMode); !ok || r.MaxAttempts() != 2 {
		t.Errorf("retryer %T with %d attempts, want adaptive with AWS_MAX_ATTEMPTS's 2", r, r.MaxAttempts())
	}
	if cfg.Region != "eu-west-1" || cfg.BaseEndpoint == nil {
		t.Errorf("region %s, endpoint %v", cfg.Region, cfg.BaseEndpoint)
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	if cfg, err := Load(context.Background(), awsconf.Options{Region: "eu-west-1", Credentials: creds}); err != nil || cfg.Retryer().MaxAttempts() != awsconf.DefaultMaxAttempts {
		t.Errorf("default attempts: %v", err)
	}
	if _, err := Load(context.Background(), awsconf.Options{Region: "mars", Credentials: creds}); err == nil {
		t.Error("accepted region mars")
	}
}
