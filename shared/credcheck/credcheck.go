// Package credcheck tells a person at a laptop whether cloudscope's AWS
// credentials work, by asking STS who they are (sts:GetCallerIdentity), and
// when they do not, says in one line what is missing and how to fix it. The
// local CLI checks once at start; `cloudscope serve` keeps the answer
// (Cached) and answers every API request with it while it is a failure.
// The deployed Lambda functions never use it: they run with a role.
package credcheck

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// IAMActions are the calls the check makes. GetCallerIdentity needs no
// permission (AWS answers it even under an explicit deny); it is listed so
// that the local policy names every call the CLI makes.
var IAMActions = []string{"sts:GetCallerIdentity"}

// Identity is who the credentials are.
type Identity struct {
	Account string
	ARN     string
}

// The one-line messages, each saying what is missing and how to fix it.
const (
	msgNone = "no AWS credentials found: run `aws configure` (access keys) or `aws sso login` (SSO), " +
		"or set AWS_PROFILE to a configured profile; `make demo` runs cloudscope on an emulated account instead"
	msgSSO     = "the AWS SSO session has expired or was never started: run `aws sso login` (with --profile when you use one)"
	msgProfile = "the AWS credentials of the configured profile could not be obtained (%s): check the profile in ~/.aws/config, or run `aws sso login`"
	msgRefused = "AWS refused the credentials (%s) in region %s: renew them (`aws sso login`, or new keys with `aws configure`), " +
		"and check that AWS_REGION names a region enabled for the account"
	msgExpired     = "the AWS credentials have expired (%s): run `aws sso login`, or get new keys with `aws configure`"
	msgUnreachable = "cannot reach AWS STS in region %s%s (%s): check the network and AWS_REGION, " +
		"or AWS_ENDPOINT_URL when you use an emulator (`make demo` starts one)"
)

// refusedCodes are STS's answers to credentials it does not accept.
var refusedCodes = map[string]bool{
	"InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "UnrecognizedClientException": true,
	"InvalidAccessKeyId": true, "AuthFailure": true, "AccessDenied": true,
}

// expiredCodes are STS's answers to a session past its expiry.
var expiredCodes = map[string]bool{"ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true}

// Check asks STS who the credentials of clients are. A credentials problem
// is a cloudscope.CodeCredentials error whose Message is the one line to
// show; an unreachable STS is an upstream error with a one-line Message too.
func Check(ctx context.Context, clients *awsconf.Clients) (Identity, error) {
	cfg := clients.Config()
	if cfg.Credentials == nil {
		return Identity{}, &cloudscope.Error{Code: cloudscope.CodeCredentials, Message: msgNone}
	}
	// Resolving the credentials first tells "none found" from "refused".
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		return Identity{}, &cloudscope.Error{Code: cloudscope.CodeCredentials, Message: retrieveMessage(cfg.Credentials, err), Err: err}
	}
	out, err := stsclient.Home(clients).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) { o.RetryMaxAttempts = 2 })
	if err != nil {
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		code := awserr.Code(err)
		switch {
		case refusedCodes[code]:
			return Identity{}, &cloudscope.Error{Code: cloudscope.CodeCredentials, Message: fmt.Sprintf(msgRefused, code, cfg.Region), Err: err}
		case expiredCodes[code]:
			return Identity{}, &cloudscope.Error{Code: cloudscope.CodeCredentials, Message: fmt.Sprintf(msgExpired, code), Err: err}
		}
		why := code
		if why == "" {
			why = "no answer"
		}
		endpoint := ""
		if cfg.BaseEndpoint != nil {
			endpoint = " at " + *cfg.BaseEndpoint
		}
		return Identity{}, &cloudscope.Error{Code: awserr.Classify(err), Message: fmt.Sprintf(msgUnreachable, cfg.Region, endpoint, why), Err: err}
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}, nil
}

// retrieveMessage says why provider found no credentials, from the kind of
// provider the SDK's chain settled on: the instance role (the chain's last
// resort, so nothing else was configured), an SSO profile, or another
// profile source (a role to assume, a credential process).
func retrieveMessage(provider aws.CredentialsProvider, err error) string {
	var ssoErr *ssocreds.InvalidTokenError
	switch {
	case errors.As(err, &ssoErr) || aws.IsCredentialsProvider(provider, (*ssocreds.Provider)(nil)):
		return msgSSO
	case aws.IsCredentialsProvider(provider, (*ec2rolecreds.Provider)(nil)):
		return msgNone
	}
	why := awserr.Code(err)
	if why == "" {
		why = "no credentials"
	}
	return fmt.Sprintf(msgProfile, why)
}

// RetryAfter is how long a failed check stands before the next request asks
// again: a person who signs in need not restart the server.
const RetryAfter = 30 * time.Second

// Cached keeps the answer of a check: a success for good, a failure for
// RetryAfter. It is safe for concurrent use; requests arriving during a
// check wait for its answer rather than asking again.
type Cached struct {
	check func(context.Context) (Identity, error)
	now   func() time.Time

	mu     sync.Mutex
	asked  bool
	at     time.Time
	id     Identity
	failed error
}

// NewCached keeps the answers of check; now is the clock (time.Now when nil).
func NewCached(check func(context.Context) (Identity, error), now func() time.Time) *Cached {
	if now == nil {
		now = time.Now
	}
	return &Cached{check: check, now: now}
}

// Check returns the kept answer, asking again when there is none yet or the
// kept failure is RetryAfter old. A check cut short by ctx is not kept.
func (c *Cached) Check(ctx context.Context) (Identity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.asked && (c.failed == nil || c.now().Sub(c.at) < RetryAfter) {
		return c.id, c.failed
	}
	id, err := c.check(ctx)
	if err != nil && ctx.Err() != nil {
		return Identity{}, err
	}
	c.asked, c.at, c.id, c.failed = true, c.now(), id, err
	return id, err
}

// Ready is Check for the HTTP API (httpapi.Deps.Ready): only a credentials
// problem stops a request; any other failure of the check (STS unreachable)
// lets the request go on to report its own errors.
func (c *Cached) Ready(ctx context.Context) error {
	_, err := c.Check(ctx)
	var ce *cloudscope.Error
	if errors.As(err, &ce) && ce.Code == cloudscope.CodeCredentials {
		// Without the SDK's cause, which would fill each request's log line.
		return &cloudscope.Error{Code: ce.Code, Message: ce.Message}
	}
	return nil
}
