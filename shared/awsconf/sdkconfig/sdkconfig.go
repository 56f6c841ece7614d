// Package sdkconfig loads the aws.Config through the SDK's whole default
// chain (environment, shared config and credentials files, SSO, IMDS),
// for the local CLI and the tests. The deployed functions read theirs from
// the Lambda environment instead (awsconf.FromEnvironment), which keeps the
// SDK's config package, with its SSO and IMDS clients, out of their
// bootstraps.
package sdkconfig

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// Load builds the aws.Config from the standard SDK sources (environment,
// shared config and credentials files, SSO, IMDS, the Lambda role) and the
// options, with awsconf's retry policy and HTTP client.
func Load(ctx context.Context, opts awsconf.Options) (aws.Config, error) {
	if opts.MaxAttempts <= 0 {
		// The SDK ignores AWS_MAX_ATTEMPTS once a retryer is given: read it here.
		env, err := config.NewEnvConfig()
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		opts.MaxAttempts = env.RetryMaxAttempts
	}
	opts = opts.WithDefaults()
	loaders := []func(*config.LoadOptions) error{
		config.WithRetryer(awsconf.Retryer(opts)),
		config.WithHTTPClient(awsconf.HTTPClient(opts)),
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
	return awsconf.Complete(cfg, opts)
}
