package awsconf

import (
	"errors"
	"io"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// The retry policy's defaults. CloudQuery's AWS plugin makes 10 attempts
// with backoff capped at 30 s; Steampipe's makes 9 with jitter up to 5
// minutes; the SDK's own standard mode makes 3, 50 ms apart for errors
// other than throttling, which a few seconds of 503s outlast.
const (
	DefaultMaxAttempts = 10
	DefaultBaseBackoff = time.Second
	DefaultMaxBackoff  = 20 * time.Second
	DefaultHTTPTimeout = 30 * time.Second
)

// transientCodes are API error codes for trouble that passes, retried
// whatever the HTTP status they come with. (The SDK already retries every
// 500, 502, 503 and 504, the throttling codes and connection errors.)
var transientCodes = map[string]struct{}{
	"InternalError": {}, "InternalFailure": {}, "InternalServerError": {},
	"ServiceUnavailable": {}, "ServiceUnavailableException": {},
	"RequestTimeout": {}, "RequestTimeoutException": {},
}

// newRetryer is the policy every client gets; each client calls it once,
// so each service and region has its own client-side rate limiter.
func newRetryer(o Options) aws.Retryer {
	standard := func(s *retry.StandardOptions) {
		s.MaxAttempts = o.MaxAttempts
		s.MaxBackoff = o.MaxBackoff
		s.Backoff = Backoff{Base: o.BaseBackoff, Max: o.MaxBackoff}
		s.Retryables = append(s.Retryables,
			retry.RetryableErrorCode{Codes: transientCodes},
			retry.IsErrorRetryableFunc(cutShort))
		// No retry quota. The standard retry token bucket (500 tokens,
		// 5 per throttled retry, 14 per other retry, 1 back per success)
		// empties after a few dozen retries in a burst of errors and then
		// fails every call at its first error: a scan of many regions
		// lost whole regions that way. The attempts are bounded per call
		// instead, and the adaptive mode around this still slows the
		// client down when AWS throttles it.
		s.RateLimiter = ratelimit.None
	}
	if o.NoClientRateLimit {
		return retry.NewStandard(standard)
	}
	return retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
		a.StandardOptions = append(a.StandardOptions, standard)
	})
}

// cutShort retries a response cut off mid-body or a connection reset
// wherever it is noticed; the SDK retries these only while sending.
func cutShort(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// Backoff is exponential backoff with full jitter: the wait after the nth
// failed attempt is uniform in [0, min(Max, Base*2^(n-1))). Full jitter
// spreads the retries of many clients hit by one burst of errors, instead
// of sending them back together.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns a number in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// Ceiling is the longest wait after the nth failed attempt.
func (b Backoff) Ceiling(attempt int) time.Duration {
	c := b.Base
	for i := 1; i < attempt && c < b.Max; i++ {
		c *= 2
	}
	return min(c, b.Max)
}

// BackoffDelay implements retry.BackoffDelayer.
func (b Backoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return time.Duration(r() * float64(b.Ceiling(attempt))), nil
}

// WorstCaseWait is the longest a call can spend sleeping between attempts
// under opts: the sum of every retry's backoff ceiling.
func WorstCaseWait(opts Options) time.Duration {
	opts = opts.withDefaults()
	b := Backoff{Base: opts.BaseBackoff, Max: opts.MaxBackoff}
	var d time.Duration
	for n := 1; n < opts.MaxAttempts; n++ {
		d += b.Ceiling(n)
	}
	return d
}

// WorstCaseCall is the longest one call can take under opts, when every
// attempt runs into the HTTP timeout: the attempts plus WorstCaseWait. The
// caller's context usually ends it sooner.
func WorstCaseCall(opts Options) time.Duration {
	opts = opts.withDefaults()
	return time.Duration(opts.MaxAttempts)*opts.HTTPTimeout + WorstCaseWait(opts)
}
