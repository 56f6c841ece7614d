// Package awsconf is the one place that builds the aws.Config and holds the
// service clients cloudscope uses: the Lambda environment's credentials
// (FromEnvironment; the SDK's whole default chain for the CLI is
// shared/awsconf/sdkconfig), AWS_ENDPOINT_URL for an emulator, the retry
// policy, HTTP timeouts, and one client per service and region, built once
// and reused. Each service's client is built by a package of its own
// (shared/awsconf/ec2client and its siblings): this package imports no SDK
// service, so that a function links only the services it calls.
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
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"

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

// FromEnvironment builds a deployed function's aws.Config from the
// variables the Lambda runtime sets, read through getenv: AWS_REGION (else
// AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN, and where set AWS_ENDPOINT_URL and AWS_MAX_ATTEMPTS,
// then the options (which win). It reads no shared config or credentials
// file and asks no SSO, IMDS or container endpoint: a function's
// credentials are in its environment, and the SDK's config package, which
// does all of that for the local CLI (shared/awsconf/sdkconfig), adds about
// 1.8 MB to every bootstrap. Without credentials in the environment, each
// call fails saying so.
func FromEnvironment(getenv func(string) string, opts Options) (aws.Config, error) {
	if opts.MaxAttempts <= 0 {
		if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return aws.Config{}, fmt.Errorf("load AWS configuration: AWS_MAX_ATTEMPTS is %q, not a whole number of attempts of at least 1", v)
			}
			opts.MaxAttempts = n
		}
	}
	cfg := aws.Config{Region: opts.Region, Credentials: opts.Credentials}
	if cfg.Region == "" {
		cfg.Region = cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	}
	if endpoint := cmp.Or(opts.EndpointURL, getenv("AWS_ENDPOINT_URL")); endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	if cfg.Credentials == nil {
		cfg.Credentials = environmentCredentials(getenv)
	}
	opts = opts.withDefaults()
	cfg.Retryer = Retryer(opts)
	cfg.HTTPClient = HTTPClient(opts)
	return Complete(cfg, opts)
}

// environmentCredentials are the credentials the Lambda runtime puts in the
// environment, or a provider whose every retrieval says they are missing.
func environmentCredentials(getenv func(string) string) aws.CredentialsProvider {
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		})
	}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"), Source: "EnvironmentVariables"}, nil
	})
}

// WithDefaults is opts with every unset tuning at its default.
func (o Options) WithDefaults() Options { return o.withDefaults() }

// Retryer is the retry policy of every client (see the package comment):
// a new retryer per client, so that each client's adaptive rate limiter is
// its own, and clients are one per service and region.
func Retryer(opts Options) func() aws.Retryer {
	opts = opts.withDefaults()
	return func() aws.Retryer { return newRetryer(opts) }
}

// HTTPClient is the HTTP client of every client: the round trip bounded by
// opts.HTTPTimeout, and warm connections for discovery's fan-out.
func HTTPClient(opts Options) aws.HTTPClient {
	opts = opts.withDefaults()
	return awshttp.NewBuildableClient().
		WithTimeout(opts.HTTPTimeout).
		WithTransportOptions(func(t *http.Transport) {
			// Discovery fans out to many regions at once; keep connections warm.
			t.MaxIdleConnsPerHost = 64
			t.ResponseHeaderTimeout = opts.HTTPTimeout
		})
}

// Complete finishes a loaded configuration: the default region when none
// is named, the region's name checked, the options' middleware added.
func Complete(cfg aws.Config, opts Options) (aws.Config, error) {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if !cloudscope.ValidRegionName(cfg.Region) {
		return aws.Config{}, fmt.Errorf("AWS region %q is not a valid region name", cfg.Region)
	}
	cfg.APIOptions = append(cfg.APIOptions, opts.APIOptions...)
	return cfg, nil
}

// EnvPricingEndpoint is the SDK's per-service endpoint setting of the Price
// List Query API. The SDK sends Price List calls there even when
// AWS_ENDPOINT_URL sends every other service to an emulator, so a Price
// List stand-in can serve beside moto.
const EnvPricingEndpoint = "AWS_ENDPOINT_URL_PRICING"

// PricingEndpoint is the Price List endpoint the environment names, or ""
// for the API's own.
func PricingEndpoint() string { return os.Getenv(EnvPricingEndpoint) }

// EnvLambdaEndpoint is the SDK's per-service endpoint setting of Lambda,
// which the live view invokes the shard function through: a Lambda
// stand-in (the tests' shard functions under aws-lambda-rie) can serve
// beside moto. Only the bottlenecks function's tests set it.
const EnvLambdaEndpoint = "AWS_ENDPOINT_URL_LAMBDA"

// LambdaEndpoint is the Lambda endpoint the environment names, or "" for
// the configuration's.
func LambdaEndpoint() string { return os.Getenv(EnvLambdaEndpoint) }

// Clients hands out one client per service and region, building each once.
// It is safe for concurrent use. It names no service itself: each service's
// constructor is a package of its own (shared/awsconf/ec2client and its
// siblings), so that a function links only the SDK clients it calls.
type Clients struct {
	cfg   aws.Config
	wire  Wire
	built sync.Map // clientKey: the service's client
}

// clientKey names one client: its service and region.
type clientKey struct{ service, region string }

// NewClients returns the client set for cfg, with the wire settings of the
// environment (see Wire; the default is AWS's own).
func NewClients(cfg aws.Config) *Clients {
	return NewClientsWith(cfg, wireOfEnvironment())
}

// NewClientsWith returns the client set for cfg with the wire settings w,
// whatever the environment says (the demo's seeding, which only ever
// writes to an emulator).
func NewClientsWith(cfg aws.Config, w Wire) *Clients {
	return &Clients{cfg: cfg, wire: w}
}

// Derive is a client set for cfg (another account's credentials, another
// HTTP client) with c's wire settings.
func (c *Clients) Derive(cfg aws.Config) *Clients { return NewClientsWith(cfg, c.wire) }

// Config returns the configuration the clients are built from.
func (c *Clients) Config() aws.Config { return c.cfg }

// DefaultRegion is the region of the configuration, used for global services.
func (c *Clients) DefaultRegion() string { return c.cfg.Region }

// Wire is how the clients speak where an emulator needs other than AWS's
// own (the S3 and CloudWatch client packages read it).
func (c *Clients) Wire() Wire { return c.wire }

// Client is service's client for region in c, built by build the first
// time it is asked for and the same client after that. Each service's
// package (shared/awsconf/ec2client and its siblings) calls it with its
// own service name and constructor.
func Client[T any](c *Clients, service, region string, build func(cfg aws.Config) T) T {
	key := clientKey{service, region}
	if v, ok := c.built.Load(key); ok {
		return v.(T)
	}
	v, _ := c.built.LoadOrStore(key, build(c.cfg))
	return v.(T)
}
