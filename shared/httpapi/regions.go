package httpapi

import (
	"context"
	"errors"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Regions checks region names against the regions enabled for the account
// (discovery.Discoverer does, from a cached DescribeRegions). Every route
// that takes a region asks it before any other AWS call.
type Regions interface {
	// CheckRegions returns an invalid_parameter error naming param for a
	// name that is not enabled; any other error means it could not tell.
	CheckRegions(ctx context.Context, param string, names []string) error
}

// checkRegions checks the names a request gives for param. When the region
// list cannot be read, the request goes on unverified (and the log says
// so), as discovery does: AWS then answers for an unknown region.
func (a *api) checkRegions(ctx context.Context, param string, names ...string) error {
	if a.deps.Regions == nil || len(names) == 0 {
		return nil
	}
	err := a.deps.Regions.CheckRegions(ctx, param, names)
	switch {
	case err == nil:
		return nil
	case cloudscope.CodeOf(err) == cloudscope.CodeInvalid, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	a.log.WarnContext(ctx, "could not check region names: going on unverified", "param", param, "error", err)
	return nil
}
