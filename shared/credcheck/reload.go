package credcheck

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Reloading is a credentials provider for a long-running local server. The
// SDK picks the source of its credentials once, when the configuration is
// loaded: a server started before `aws configure` would look for an
// instance role forever. Reloading resolves the chain again (environment,
// config and credentials files) after every failed retrieval, so signing in
// takes effect at the next check, without a restart.
type Reloading struct {
	load func(context.Context) (aws.CredentialsProvider, error)

	mu      sync.Mutex
	current aws.CredentialsProvider
	failed  bool
}

// NewReloading returns a provider that resolves its source with load.
func NewReloading(load func(context.Context) (aws.CredentialsProvider, error)) *Reloading {
	return &Reloading{load: load}
}

// DefaultChain resolves the SDK's default credential chain afresh.
func DefaultChain(ctx context.Context) (aws.CredentialsProvider, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return cfg.Credentials, nil
}

// Retrieve returns credentials from the current source, resolving the
// source again first when there is none yet or it failed last time.
func (r *Reloading) Retrieve(ctx context.Context) (aws.Credentials, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current == nil || r.failed {
		p, err := r.load(ctx)
		if err != nil {
			r.failed = true
			return aws.Credentials{}, err
		}
		r.current = p
	}
	creds, err := r.current.Retrieve(ctx)
	r.failed = err != nil
	return creds, err
}

// IsCredentialsProvider reports whether the current source is of target's
// type (aws.IsCredentialsProvider), which Check uses to say what is missing.
func (r *Reloading) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current != nil && aws.IsCredentialsProvider(r.current, target)
}
