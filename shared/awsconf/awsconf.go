// Package awsconf is the one place that builds the aws.Config and the service
// clients cloudscope uses: default credential chain, AWS_ENDPOINT_URL for an
// emulator, the retry policy, HTTP timeouts, and one client per service and
// region, built once and reused.
//
// The retry policy is the same for every client. A call makes up to 10
// attempts. Throttling (each protocol's own code, or HTTP 429), HTTP 500,
// 502, 503 and 504, the services' internal-error and unavailable codes,
// connection resets and refusals, and round trips that time out are retried;
// access denied, invalid input and a cancelled context are not. The wait
// after the nth failed attempt is uniform in [0, min(20 s, 1 s * 2^(n-1))):
// exponential backoff with full jitter, capped. The SDK's adaptive mode adds
// client-side rate limiting: each client (one per service and region) slows
// its own sending when that service throttles it in that region. There is
// no retry quota shared across calls (see newRetryer).
//
// Worst case per call: the waits add up to at most 111 s (1+2+4+8+16+20*4;
// about half that on average, as the jitter is uniform), and when every
// attempt also runs into the 30 s HTTP timeout, 10*30 s + 111 s = 411 s.
// The caller's context ends a call sooner: discovery over HTTP has 25 s, a
// scan's discovery 10 minutes. WorstCaseWait and WorstCaseCall compute these
// for other Options. AWS_MAX_ATTEMPTS, when set, replaces the default attempts.
package awsconf

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// DefaultRegion is used when neither the environment nor the shared config names one.
const DefaultRegion = "us-east-1"

// Options tune how clients talk to AWS. The zero value is the production default.
type Options struct {
	// Region overrides AWS_REGION and the shared config's region.
	Region string
	// EndpointURL overrides AWS_ENDPOINT_URL: every service goes to this URL.
	EndpointURL string
	// Credentials override the default credential chain.
	Credentials aws.CredentialsProvider
	// MaxAttempts bounds the attempts per call, first included (default
	// AWS_MAX_ATTEMPTS, else 10).
	MaxAttempts int
	// BaseBackoff is the longest wait after the first failed attempt; it
	// doubles with each further one (default 1s). Tests shrink it.
	BaseBackoff time.Duration
	// MaxBackoff caps the wait between two attempts (default 20s).
	MaxBackoff time.Duration
	// HTTPTimeout bounds one HTTP round trip (default 30s).
	HTTPTimeout time.Duration
	// NoClientRateLimit turns off the adaptive mode's client-side rate
	// limiting, keeping the rest of the policy. For tests that throttle at
	// random whatever the rate: the limiter takes each throttle as a sign to
	// slow down, to as little as half a request a second per client.
	NoClientRateLimit bool
	// APIOptions are added to every client's middleware stack: tests and
	// benchmarks use them to stub or delay calls.
	APIOptions []func(*middleware.Stack) error
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.HTTPTimeout <= 0 {
		o.HTTPTimeout = DefaultHTTPTimeout
	}
	return o
}

// Load builds the aws.Config from the standard SDK sources (environment,
// shared config and credentials files, SSO, IMDS, the Lambda role) and the options.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	if opts.MaxAttempts <= 0 {
		// The SDK ignores AWS_MAX_ATTEMPTS once a retryer is given: read it here.
		env, err := config.NewEnvConfig()
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		opts.MaxAttempts = env.RetryMaxAttempts
	}
	opts = opts.withDefaults()
	loaders := []func(*config.LoadOptions) error{
		// A new retryer per client: its adaptive rate limiter is that
		// client's alone, and clients are one per service and region.
		config.WithRetryer(func() aws.Retryer { return newRetryer(opts) }),
		config.WithHTTPClient(awshttp.NewBuildableClient().
			WithTimeout(opts.HTTPTimeout).
			WithTransportOptions(func(t *http.Transport) {
				// Discovery fans out to many regions at once; keep connections warm.
				t.MaxIdleConnsPerHost = 64
				t.ResponseHeaderTimeout = opts.HTTPTimeout
			})),
	}
	if opts.Region != "" {
		loaders = append(loaders, config.WithRegion(opts.Region))
	}
	if opts.EndpointURL != "" {
		loaders = append(loaders, config.WithBaseEndpoint(opts.EndpointURL))
	}
	if opts.Credentials != nil {
		loaders = append(loaders, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if !cloudscope.ValidRegionName(cfg.Region) {
		return aws.Config{}, fmt.Errorf("AWS region %q is not a valid region name", cfg.Region)
	}
	cfg.APIOptions = append(cfg.APIOptions, opts.APIOptions...)
	return cfg, nil
}

// EndpointOverridden reports whether the configuration points at an endpoint
// other than AWS's own, such as an emulator named by AWS_ENDPOINT_URL.
func EndpointOverridden(cfg aws.Config) bool {
	return cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != "" ||
		os.Getenv("AWS_ENDPOINT_URL_CLOUDWATCH") != ""
}

// EnvPricingEndpoint is the SDK's per-service endpoint setting of the Price
// List Query API. The SDK sends Price List calls there even when
// AWS_ENDPOINT_URL sends every other service to an emulator, so a Price
// List stand-in can serve beside moto.
const EnvPricingEndpoint = "AWS_ENDPOINT_URL_PRICING"

// PricingEndpoint is the Price List endpoint the environment names, or ""
// for the API's own.
func PricingEndpoint() string { return os.Getenv(EnvPricingEndpoint) }

// Clients hands out one client per service and region, building each once.
// It is safe for concurrent use.
type Clients struct {
	cfg        aws.Config
	emulated   bool
	ec2        sync.Map
	rds        sync.Map
	lambda     sync.Map
	s3         sync.Map
	cloudwatch sync.Map
	ce         sync.Map
	dynamodb   sync.Map
	sns        sync.Map
	sts        sync.Map
	org        sync.Map
	pricing    sync.Map
	elbv2      sync.Map
	elb        sync.Map
}

// NewClients returns the client set for cfg.
func NewClients(cfg aws.Config) *Clients {
	return &Clients{cfg: cfg, emulated: EndpointOverridden(cfg)}
}

// Config returns the configuration the clients are built from.
func (c *Clients) Config() aws.Config { return c.cfg }

// DefaultRegion is the region of the configuration, used for global services.
func (c *Clients) DefaultRegion() string { return c.cfg.Region }

func cached[T any](m *sync.Map, region string, build func() T) T {
	if v, ok := m.Load(region); ok {
		return v.(T)
	}
	v, _ := m.LoadOrStore(region, build())
	return v.(T)
}

// EC2 returns the EC2 client for region.
func (c *Clients) EC2(region string) *ec2.Client {
	return cached(&c.ec2, region, func() *ec2.Client {
		return ec2.NewFromConfig(c.cfg, func(o *ec2.Options) { o.Region = region })
	})
}

// RDS returns the RDS client for region.
func (c *Clients) RDS(region string) *rds.Client {
	return cached(&c.rds, region, func() *rds.Client {
		return rds.NewFromConfig(c.cfg, func(o *rds.Options) { o.Region = region })
	})
}

// Lambda returns the Lambda client for region.
func (c *Clients) Lambda(region string) *lambda.Client {
	return cached(&c.lambda, region, func() *lambda.Client {
		return lambda.NewFromConfig(c.cfg, func(o *lambda.Options) { o.Region = region })
	})
}

// S3 returns the S3 client for region. Against an emulator it uses path-style
// addressing, since bucket subdomains of a loopback address do not resolve.
func (c *Clients) S3(region string) *s3.Client {
	return cached(&c.s3, region, func() *s3.Client {
		return s3.NewFromConfig(c.cfg, func(o *s3.Options) {
			o.Region = region
			o.UsePathStyle = c.emulated
		})
	})
}

// CloudWatch returns the CloudWatch client for region. Against an emulator it
// speaks the JSON 1.0 protocol and sends uncompressed bodies: the current
// client defaults to Smithy RPC v2 CBOR and gzips large PutMetricData bodies,
// which emulators do not all understand. AWS accepts both.
func (c *Clients) CloudWatch(region string) *cloudwatch.Client {
	return cached(&c.cloudwatch, region, func() *cloudwatch.Client {
		return cloudwatch.NewFromConfig(c.cfg, func(o *cloudwatch.Options) {
			o.Region = region
			if c.emulated {
				o.Protocol = awsjson.New10(cwschemas.GraniteServiceVersion20100801)
				o.DisableRequestCompression = true
			}
		})
	})
}

// CostExplorer returns the Cost Explorer client for region (Cost Explorer is
// served from us-east-1).
func (c *Clients) CostExplorer(region string) *costexplorer.Client {
	return cached(&c.ce, region, func() *costexplorer.Client {
		return costexplorer.NewFromConfig(c.cfg, func(o *costexplorer.Options) { o.Region = region })
	})
}

// Pricing returns the Price List Query API client; the API is served from
// us-east-1 (and eu-central-1, ap-south-1) whatever region is priced.
// AWS_ENDPOINT_URL_PRICING sends it elsewhere even when the configuration
// names an endpoint for every service (the SDK lets an endpoint set in code
// win over the per-service setting).
func (c *Clients) Pricing() *pricing.Client {
	return cached(&c.pricing, "us-east-1", func() *pricing.Client {
		return pricing.NewFromConfig(c.cfg, func(o *pricing.Options) {
			o.Region = "us-east-1"
			if e := PricingEndpoint(); e != "" {
				o.BaseEndpoint = aws.String(e)
			}
		})
	})
}

// DynamoDB returns the DynamoDB client of the home region, where the table is.
func (c *Clients) DynamoDB() *dynamodb.Client {
	return cached(&c.dynamodb, c.cfg.Region, func() *dynamodb.Client { return dynamodb.NewFromConfig(c.cfg) })
}

// DynamoDBIn returns the DynamoDB client for region, which discovery lists
// tables with (the home region's is DynamoDB's, the same client).
func (c *Clients) DynamoDBIn(region string) *dynamodb.Client {
	return cached(&c.dynamodb, region, func() *dynamodb.Client {
		return dynamodb.NewFromConfig(c.cfg, func(o *dynamodb.Options) { o.Region = region })
	})
}

// ELBv2 returns the Elastic Load Balancing v2 client (application, network
// and gateway load balancers) for region.
func (c *Clients) ELBv2(region string) *elasticloadbalancingv2.Client {
	return cached(&c.elbv2, region, func() *elasticloadbalancingv2.Client {
		return elasticloadbalancingv2.NewFromConfig(c.cfg, func(o *elasticloadbalancingv2.Options) { o.Region = region })
	})
}

// ELB returns the classic Elastic Load Balancing client for region.
func (c *Clients) ELB(region string) *elasticloadbalancing.Client {
	return cached(&c.elb, region, func() *elasticloadbalancing.Client {
		return elasticloadbalancing.NewFromConfig(c.cfg, func(o *elasticloadbalancing.Options) { o.Region = region })
	})
}

// SNS returns the SNS client for region (a topic's, from its ARN).
func (c *Clients) SNS(region string) *sns.Client {
	return cached(&c.sns, region, func() *sns.Client { return sns.NewFromConfig(c.cfg, func(o *sns.Options) { o.Region = region }) })
}

// STS returns the STS client of the home region, which the local CLI asks
// who its credentials are (shared/credcheck).
func (c *Clients) STS() *sts.Client {
	return cached(&c.sts, c.cfg.Region, func() *sts.Client { return sts.NewFromConfig(c.cfg) })
}

// Organizations returns the Organizations client of the home region (the
// service is global: the SDK sends it to the partition's one endpoint).
func (c *Clients) Organizations() *organizations.Client {
	return cached(&c.org, c.cfg.Region, func() *organizations.Client { return organizations.NewFromConfig(c.cfg) })
}
