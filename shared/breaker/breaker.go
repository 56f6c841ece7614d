// Package breaker makes the AWS calls into a region that does not answer
// at all fail at once. An HTTP client wrapped by it counts, per endpoint
// (the service and region each request is signed for; one client reaches
// one account), the connection failures in a row; after Threshold of them
// the endpoint's calls fail at once, without a
// connection attempt and without the SDK's retries, until Cooldown has
// passed; the next call then tries the region again. Any answer (an error
// status too) means the region answers, and resets the count.
//
// A region down costs a scan each of its calls' retries, each waiting out
// a connection timeout: 90 to 184 s of a scan, measured. Wrapped, it costs
// Threshold calls; the rest fail at once as unavailable, which the scan's
// own pass over failures tries again later.
package breaker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// HTTPClient is what the AWS SDK sends requests with (aws.HTTPClient).
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Options tune a Breaker. The zero value gives the defaults.
type Options struct {
	// Threshold is how many connection failures in a row open a region
	// (default 3).
	Threshold int
	// Cooldown is how long an open region's calls fail at once (default 30s).
	Cooldown time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Breaker is an HTTPClient that fails a region's calls at once after it
// stopped answering. It is safe for concurrent use.
type Breaker struct {
	next HTTPClient
	opts Options

	mu      sync.Mutex
	regions map[string]*state
}

type state struct {
	failures  int
	openUntil time.Time
}

// New wraps next.
func New(next HTTPClient, opts Options) *Breaker {
	if opts.Threshold <= 0 {
		opts.Threshold = 3
	}
	if opts.Cooldown <= 0 {
		opts.Cooldown = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Breaker{next: next, opts: opts, regions: map[string]*state{}}
}

// OpenError is the error of a call not made: its region did not answer
// Failures times in a row. The SDK does not retry it; it reads as a
// connection failure (unavailable, worth a later try) to the callers.
type OpenError struct {
	Region string // "<service> in <region>"

	Failures int
	Until    time.Time
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("%s did not answer %d calls in a row: its calls fail at once until %s", e.Region, e.Failures, e.Until.UTC().Format(time.TimeOnly))
}

// RetryableError tells the SDK's retryer not to retry the call: it would
// fail at once again.
func (e *OpenError) RetryableError() bool { return false }

// ConnectionError says that the call did not reach the region, as the
// SDK's own send errors say it.
func (e *OpenError) ConnectionError() bool { return true }

// Do sends r, or fails at once when r's region is open.
func (b *Breaker) Do(r *http.Request) (*http.Response, error) {
	service, region := Scope(r)
	if region != "" {
		region = service + " in " + region
		b.mu.Lock()
		st := b.regions[region]
		if st != nil && b.opts.Now().Before(st.openUntil) {
			err := &OpenError{Region: region, Failures: st.failures, Until: st.openUntil}
			b.mu.Unlock()
			return nil, err
		}
		b.mu.Unlock()
	}
	resp, err := b.next.Do(r)
	if region == "" {
		return resp, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.regions[region]
	if st == nil {
		st = &state{}
		b.regions[region] = st
	}
	switch {
	case err == nil:
		st.failures, st.openUntil = 0, time.Time{}
	case r.Context().Err() != nil || errors.Is(err, context.Canceled):
		// The caller gave up: nothing said about the region.
	default:
		st.failures++
		if st.failures >= b.opts.Threshold {
			st.openUntil = b.opts.Now().Add(b.opts.Cooldown)
		}
	}
	return resp, err
}

// Scope is the service and region a request is signed for, from the
// credential scope of its SigV4 Authorization header
// (Credential=AKID/20260101/eu-west-1/ec2/aws4_request), or "" for both
// when it is not signed so.
func Scope(r *http.Request) (service, region string) {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[3], parts[2]
}
