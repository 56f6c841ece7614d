package awsconf_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/rdsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
)

func load(t *testing.T, opts awsconf.Options) *awsconf.Clients {
	t.Helper()
	opts.Credentials = credentials.NewStaticCredentialsProvider("k", "s", "")
	cfg, err := awsconf.FromEnvironment(os.Getenv, opts)
	if err != nil {
		t.Fatal(err)
	}
	return awsconf.NewClients(cfg)
}

func TestRetriesAreAdaptiveAndBounded(t *testing.T) {
	c := load(t, awsconf.Options{Region: "eu-west-1", MaxAttempts: 4})
	r := ec2client.In(c, "eu-west-1").Options().Retryer
	if _, ok := r.(*retry.AdaptiveMode); !ok {
		t.Errorf("retryer is %T, want adaptive mode", r)
	}
	if r.MaxAttempts() != 4 {
		t.Errorf("max attempts %d", r.MaxAttempts())
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	if n := rdsclient.In(load(t, awsconf.Options{Region: "eu-west-1"}), "eu-west-1").Options().Retryer.MaxAttempts(); n != awsconf.DefaultMaxAttempts {
		t.Errorf("default max attempts %d, want %d", n, awsconf.DefaultMaxAttempts)
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	if n := rdsclient.In(load(t, awsconf.Options{Region: "eu-west-1"}), "eu-west-1").Options().Retryer.MaxAttempts(); n != 2 {
		t.Errorf("with AWS_MAX_ATTEMPTS=2: %d attempts", n)
	}
	if n := rdsclient.In(load(t, awsconf.Options{Region: "eu-west-1", MaxAttempts: 3}), "eu-west-1").Options().Retryer.MaxAttempts(); n != 3 {
		t.Errorf("with AWS_MAX_ATTEMPTS=2 and MaxAttempts 3: %d attempts, want the option's", n)
	}
	if c.DefaultRegion() != "eu-west-1" {
		t.Errorf("region %s", c.DefaultRegion())
	}
}

// The emulator's wire is its settings' doing (awsconf.EmulatorWire), never
// the endpoint's: an emulator's endpoint alone keeps AWS's own.
func TestEmulatorSettings(t *testing.T) {
	t.Setenv(awsconf.EnvS3PathStyle, "")
	t.Setenv(awsconf.EnvCloudWatchProtocol, "")
	for name, c := range map[string]*awsconf.Clients{
		"AWS":                             load(t, awsconf.Options{Region: "us-east-1"}),
		"an emulator's endpoint, no wire": load(t, awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"}),
	} {
		if s3client.In(c, "us-east-1").Options().UsePathStyle || cloudwatchclient.In(c, "us-east-1").Options().DisableRequestCompression {
			t.Errorf("%s: got emulator settings", name)
		}
		if p, ok := cloudwatchclient.In(c, "us-east-1").Options().Protocol.(*awsjson.Protocol); ok {
			t.Errorf("%s: speaks %T; the SDK's default protocol should be kept", name, p)
		}
	}
	for _, kv := range awsconf.EmulatorWire.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	emu := load(t, awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if !s3client.In(emu, "eu-west-1").Options().UsePathStyle {
		t.Error("emulator S3 client is not path-style")
	}
	cw := cloudwatchclient.In(emu, "eu-west-1").Options()
	if _, ok := cw.Protocol.(*awsjson.Protocol); !ok || !cw.DisableRequestCompression || cw.Region != "eu-west-1" {
		t.Errorf("emulator CloudWatch client: protocol %v, compression off %v", cw.Protocol, cw.DisableRequestCompression)
	}
}

func TestClientsAreBuiltOncePerRegion(t *testing.T) {
	c := load(t, awsconf.Options{Region: "us-east-1"})
	if ec2client.In(c, "eu-west-1") != ec2client.In(c, "eu-west-1") || ec2client.In(c, "eu-west-1") == ec2client.In(c, "us-west-2") {
		t.Error("EC2 clients are not cached per region")
	}
	if got := rdsclient.In(c, "ap-south-1").Options().Region; got != "ap-south-1" {
		t.Errorf("RDS client region %s", got)
	}
}

func TestBadRegionIsRejected(t *testing.T) {
	_, err := awsconf.FromEnvironment(os.Getenv, awsconf.Options{Region: "mars", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	if err == nil {
		t.Error("accepted region mars")
	}
}

// AWS_ENDPOINT_URL_PRICING names the Price List endpoint even when every
// other service goes to an emulator (the SDK alone would let the
// emulator's endpoint, set in code, win).
func TestThePricingEndpointSetting(t *testing.T) {
	t.Setenv(awsconf.EnvPricingEndpoint, "")
	emu := load(t, awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if got := *pricingclient.Global(emu).Options().BaseEndpoint; got != "http://127.0.0.1:4566" {
		t.Errorf("without the setting the Price List goes to %s", got)
	}
	t.Setenv(awsconf.EnvPricingEndpoint, "http://127.0.0.1:4999")
	emu = load(t, awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if got := *pricingclient.Global(emu).Options().BaseEndpoint; got != "http://127.0.0.1:4999" || *ec2client.In(emu, "us-east-1").Options().BaseEndpoint != "http://127.0.0.1:4566" {
		t.Errorf("with the setting the Price List goes to %s, EC2 to %s", got, *ec2client.In(emu, "us-east-1").Options().BaseEndpoint)
	}
	if plain := load(t, awsconf.Options{Region: "us-east-1"}); *pricingclient.Global(plain).Options().BaseEndpoint != "http://127.0.0.1:4999" || awsconf.PricingEndpoint() != "http://127.0.0.1:4999" {
		t.Errorf("against AWS the setting is not honoured")
	}
}

// AWS_ENDPOINT_URL_LAMBDA names the Lambda endpoint the same way: the
// live view's invocations go to a stand-in while everything else goes to
// the emulator.
func TestTheLambdaEndpointSetting(t *testing.T) {
	t.Setenv(awsconf.EnvLambdaEndpoint, "")
	emu := load(t, awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if got := *lambdaclient.In(emu, "us-east-1").Options().BaseEndpoint; got != "http://127.0.0.1:4566" {
		t.Errorf("without the setting Lambda goes to %s", got)
	}
	t.Setenv(awsconf.EnvLambdaEndpoint, "http://127.0.0.1:4998")
	emu = load(t, awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if got := *lambdaclient.In(emu, "eu-west-1").Options().BaseEndpoint; got != "http://127.0.0.1:4998" || *ec2client.In(emu, "us-east-1").Options().BaseEndpoint != "http://127.0.0.1:4566" {
		t.Errorf("with the setting Lambda goes to %s, EC2 to %s", got, *ec2client.In(emu, "us-east-1").Options().BaseEndpoint)
	}
}

// A deployed function's configuration comes from the variables the Lambda
// runtime sets, the options winning.
func TestFromEnvironment(t *testing.T) {
	env := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_MAX_ATTEMPTS": "3",
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := awsconf.FromEnvironment(getenv, awsconf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("credentials %+v, %v", creds, err)
	}
	if cfg.Region != "eu-west-1" || *cfg.BaseEndpoint != "http://127.0.0.1:4566" || cfg.Retryer().MaxAttempts() != 3 {
		t.Errorf("region %s, endpoint %s, %d attempts", cfg.Region, *cfg.BaseEndpoint, cfg.Retryer().MaxAttempts())
	}
	cfg, err = awsconf.FromEnvironment(getenv, awsconf.Options{Region: "us-west-2", MaxAttempts: 5})
	if err != nil || cfg.Region != "us-west-2" || cfg.Retryer().MaxAttempts() != 5 {
		t.Errorf("the options do not win: %s, %v", cfg.Region, err)
	}

	delete(env, "AWS_REGION")
	env["AWS_DEFAULT_REGION"] = "ap-south-1"
	if cfg, err := awsconf.FromEnvironment(getenv, awsconf.Options{}); err != nil || cfg.Region != "ap-south-1" {
		t.Errorf("AWS_DEFAULT_REGION: %s, %v", cfg.Region, err)
	}
	env["AWS_MAX_ATTEMPTS"] = "many"
	if _, err := awsconf.FromEnvironment(getenv, awsconf.Options{}); err == nil || !strings.Contains(err.Error(), "AWS_MAX_ATTEMPTS") {
		t.Errorf("a bad AWS_MAX_ATTEMPTS: %v", err)
	}

	// No credentials: the configuration loads (a function without its
	// settings must still say which), and each call says what is missing.
	cfg, err = awsconf.FromEnvironment(func(string) string { return "" }, awsconf.Options{})
	if err != nil || cfg.Region != awsconf.DefaultRegion || cfg.BaseEndpoint != nil {
		t.Fatalf("an empty environment: %+v, %v", cfg, err)
	}
	if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("missing credentials: %v", err)
	}
}
