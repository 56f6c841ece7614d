package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

// RunShard runs one shard: it reaches the account (its member role), lists
// the shard's resources, reads their metrics and judges them ChunkTargets
// at a time, stores the part, and counts the shard done (or failed: it
// read nothing and has failures). A member that cannot be reached is one
// failure in the part (access_denied), not an error. The error return is
// for a part that could not be stored or a context that ended: the shard
// is then to be run again (its part is replaced wholly).
func (e *Engine) RunShard(ctx context.Context, sh cloudscope.Shard) (*ShardSummary, error) {
	started := e.d.Now().UTC()
	part := newPart(sh, started)
	caps, err := e.account(accountset.ForScan(ctx, sh.ScanID), sh.AccountID)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		part.Errors = append(part.Errors, accountset.Failure(sh.AccountID, err))
	default:
		if err := e.read(ctx, caps, part, started); err != nil {
			return nil, err
		}
	}
	part.FinishedAt = e.d.Now().UTC()
	part.Counts.CountResources(part.Resources)
	part.Counts.Findings = len(part.Findings)
	part.Counts.BySeverity = map[cloudscope.Severity]int{}
	for _, f := range part.Findings {
		part.Counts.BySeverity[f.Severity]++
	}
	return e.keep(ctx, part)
}

// keep stores a shard's part, counts the shard done (or failed: it read
// nothing and has failures) and says what the part holds.
func (e *Engine) keep(ctx context.Context, part *cloudscope.ShardPart) (*ShardSummary, error) {
	if err := e.save(ctx, part); err != nil {
		return nil, err
	}
	sum := &ShardSummary{Key: part.Shard.Key(), Resources: part.Counts.Resources, Findings: len(part.Findings),
		Errors: len(part.Errors), Failed: part.Listed == 0 && len(part.Errors) > 0, Calls: part.Calls}
	if err := e.d.Parts.ShardDone(ctx, part.Shard.ScanID, sum.Failed); err != nil {
		return nil, err
	}
	return sum, nil
}

// runShard runs shard sh of a scan run in this process: here (RunShard),
// or elsewhere (EngineDeps.Shards), its part then stored here as RunShard
// stores its own.
func (e *Engine) runShard(ctx context.Context, sh cloudscope.Shard) (*ShardSummary, error) {
	if e.d.Shards == nil {
		return e.RunShard(ctx, sh)
	}
	part, err := e.d.Shards(ctx, sh, e.scope)
	if err != nil {
		return nil, err
	}
	if part == nil || part.Shard.Key() != sh.Key() {
		return nil, fmt.Errorf("shard %s ran elsewhere and answered no part of its own", sh.Key())
	}
	part.Shard.ScanID = sh.ScanID
	return e.keep(ctx, part)
}

// worthAgain reports whether a shard that failed with err is worth one
// more run: here, always (the part could not be stored); elsewhere, only
// when its failure passes (a shard too large to answer, or a shard function
// that failed on its own, would fail the same way, and the live view has
// 30 seconds).
func (e *Engine) worthAgain(err error) bool {
	return e.d.Shards == nil || cloudscope.CodeOf(err).Transient()
}

// LiveShard runs shard sh as RunShard does, and stores nothing: it answers
// the part, without its resources (the live view needs its findings,
// undecided rules, errors and counts, and a region's resources may be many
// megabytes). Regions, when set, are the live view's: the buckets' shard
// keeps only the buckets of those (and of the engine's own regions). It is
// what the shard function does for the bottlenecks function's live view
// (EngineDeps.Shards there).
func (e *Engine) LiveShard(ctx context.Context, sh cloudscope.Shard, regions []string) (*cloudscope.ShardPart, error) {
	scratch := &memParts{}
	live := *e
	live.d.Parts, live.writes = scratch, make(chan struct{}, 1)
	if len(regions) > 0 {
		if only := live.opts.Regions.Only; len(only) > 0 {
			regions = slices.DeleteFunc(slices.Clone(regions), func(r string) bool { return !slices.Contains(only, r) })
			if len(regions) == 0 { // none of the view's regions is the engine's
				return newPart(sh, e.d.Now().UTC()), nil
			}
		}
		live.opts.Regions.Only = regions
	}
	if _, err := live.RunShard(ctx, sh); err != nil {
		return nil, err
	}
	part := scratch.parts[sh.Key()]
	part.Resources = nil
	return part, nil
}

// read fills part with what the shard lists and judges. The error return
// is the context's end.
func (e *Engine) read(ctx context.Context, caps *accountCaps, part *cloudscope.ShardPart, started time.Time) error {
	sh := part.Shard
	q := resourcequery.Query{Regions: []string{sh.Region}, Types: regionalTypes(sh.Types)}
	if bucketShard(sh) {
		// Every bucket of the account, each under its own region: the
		// bucket list is global, so one shard per account reads it.
		q = resourcequery.Query{Types: sh.Types}
		if !e.opts.Regions.Empty() {
			// Only the buckets of the regions the scan reads (the region
			// list is the one discovery reads anyway, cached).
			regions, err := caps.disc.Regions(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				part.Errors = append(part.Errors, failure(sh.AccountID, cloudscope.Global, "ec2", err))
				return nil
			}
			names := make([]string, len(regions))
			for i, r := range regions {
				names[i] = r.Name
			}
			if q.Regions = e.opts.Regions.Select(names).Read; len(q.Regions) == 0 {
				return nil
			}
		}
	}
	inv, err := caps.disc.Discover(ctx, q)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		part.Errors = append(part.Errors, failure(sh.AccountID, sh.Region, "ec2", err))
		return nil
	}
	part.Calls["discovery"] += int(inv.Calls)
	part.Listed = int(inv.Listed)
	for i := range inv.Errors {
		inv.Errors[i].AccountID = sh.AccountID
	}
	part.Errors = append(part.Errors, inv.Errors...)
	resources := inv.Resources
	for i := range resources {
		resources[i].AccountID = sh.AccountID
	}

	if err := e.d.Scanner.readAndJudge(ctx, caps.met, part, resources, metricsWindow(started), started, e.opts.ChunkTargets, e.opts.RetryPause, e.series); err != nil {
		return err
	}
	// A saving counts only resources of the shard (a stopped instance's
	// volumes are those the shard lists): each one's charges are counted
	// once here, and the finalize, which merges the parts, has nothing to
	// cover.
	cloudscope.CoverSavings(part.Findings)
	attribute(sh.AccountID, part.Findings, part.Insufficient)
	cloudscope.SortFindings(part.Findings)
	slices.SortFunc(resources, cloudscope.CompareStored)
	part.Resources = resources
	return nil
}

// failure records what could not be read, for the account.
func failure(account, region, service string, err error) cloudscope.Failure {
	var ce *cloudscope.Error
	if errors.As(err, &ce) {
		return cloudscope.Failure{AccountID: account, Region: region, Service: service, Code: string(ce.Code), Message: ce.Message}
	}
	return cloudscope.Failure{AccountID: account, Region: region, Service: service, Code: string(cloudscope.CodeOf(err)), Message: service + ": request failed"}
}
