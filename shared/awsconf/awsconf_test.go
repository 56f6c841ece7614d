package awsconf

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

func load(t *testing.T, opts Options) *Clients {
	t.Helper()
	opts.Credentials = credentials.NewStaticCredentialsProvider("k", "s", "")
	cfg, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return NewClients(cfg)
}

func TestRetriesAreAdaptiveAndBounded(t *testing.T) {
	c := load(t, Options{Region: "eu-west-1", MaxAttempts: 4})
	r := c.EC2("eu-west-1").Options().Retryer
	if _, ok := r.(*retry.AdaptiveMode); !ok {
		t.Errorf("retryer is %T, want adaptive mode", r)
	}
	if r.MaxAttempts() != 4 {
		t.Errorf("max attempts %d", r.MaxAttempts())
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	if n := load(t, Options{Region: "eu-west-1"}).RDS("eu-west-1").Options().Retryer.MaxAttempts(); n != DefaultMaxAttempts {
		t.Errorf("default max attempts %d, want %d", n, DefaultMaxAttempts)
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	if n := load(t, Options{Region: "eu-west-1"}).RDS("eu-west-1").Options().Retryer.MaxAttempts(); n != 2 {
		t.Errorf("with AWS_MAX_ATTEMPTS=2: %d attempts", n)
	}
	if n := load(t, Options{Region: "eu-west-1", MaxAttempts: 3}).RDS("eu-west-1").Options().Retryer.MaxAttempts(); n != 3 {
		t.Errorf("with AWS_MAX_ATTEMPTS=2 and MaxAttempts 3: %d attempts, want the option's", n)
	}
	if c.DefaultRegion() != "eu-west-1" {
		t.Errorf("region %s", c.DefaultRegion())
	}
}

func TestEmulatorSettings(t *testing.T) {
	plain := load(t, Options{Region: "us-east-1"})
	if plain.S3("us-east-1").Options().UsePathStyle || plain.CloudWatch("us-east-1").Options().DisableRequestCompression {
		t.Error("AWS endpoint got emulator settings")
	}
	if p, ok := plain.CloudWatch("us-east-1").Options().Protocol.(*awsjson.Protocol); ok {
		t.Errorf("AWS endpoint speaks %T; the SDK's default protocol should be kept", p)
	}
	emu := load(t, Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if !emu.S3("eu-west-1").Options().UsePathStyle {
		t.Error("emulator S3 client is not path-style")
	}
	cw := emu.CloudWatch("eu-west-1").Options()
	if _, ok := cw.Protocol.(*awsjson.Protocol); !ok || !cw.DisableRequestCompression || cw.Region != "eu-west-1" {
		t.Errorf("emulator CloudWatch client: protocol %v, compression off %v", cw.Protocol, cw.DisableRequestCompression)
	}
}

func TestClientsAreBuiltOncePerRegion(t *testing.T) {
	c := load(t, Options{Region: "us-east-1"})
	if c.EC2("eu-west-1") != c.EC2("eu-west-1") || c.EC2("eu-west-1") == c.EC2("us-west-2") {
		t.Error("EC2 clients are not cached per region")
	}
	if got := c.RDS("ap-south-1").Options().Region; got != "ap-south-1" {
		t.Errorf("RDS client region %s", got)
	}
}

func TestBadRegionIsRejected(t *testing.T) {
	_, err := Load(context.Background(), Options{Region: "mars", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	if err == nil {
		t.Error("accepted region mars")
	}
}

// AWS_ENDPOINT_URL_PRICING names the Price List endpoint even when every
// other service goes to an emulator (the SDK alone would let the
// emulator's endpoint, set in code, win).
func TestThePricingEndpointSetting(t *testing.T) {
	t.Setenv(EnvPricingEndpoint, "")
	emu := load(t, Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if got := *emu.Pricing().Options().BaseEndpoint; got != "http://127.0.0.1:4566" {
		t.Errorf("without the setting the Price List goes to %s", got)
	}
	t.Setenv(EnvPricingEndpoint, "http://127.0.0.1:4999")
	emu = load(t, Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"})
	if got := *emu.Pricing().Options().BaseEndpoint; got != "http://127.0.0.1:4999" || *emu.EC2("us-east-1").Options().BaseEndpoint != "http://127.0.0.1:4566" {
		t.Errorf("with the setting the Price List goes to %s, EC2 to %s", got, *emu.EC2("us-east-1").Options().BaseEndpoint)
	}
	if plain := load(t, Options{Region: "us-east-1"}); *plain.Pricing().Options().BaseEndpoint != "http://127.0.0.1:4999" || PricingEndpoint() != "http://127.0.0.1:4999" {
		t.Errorf("against AWS the setting is not honoured")
	}
}
