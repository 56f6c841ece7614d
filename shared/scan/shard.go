package scan

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/metrics"
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
	caps, err := e.account(accounts.ForScan(ctx, sh.ScanID), sh.AccountID)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		part.Errors = append(part.Errors, accounts.Failure(sh.AccountID, err))
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
	if err := e.save(ctx, part); err != nil {
		return nil, err
	}
	sum := &ShardSummary{Key: sh.Key(), Resources: len(part.Resources), Findings: len(part.Findings), Errors: len(part.Errors),
		Failed: part.Listed == 0 && len(part.Errors) > 0, Calls: part.Calls}
	if err := e.d.Parts.ShardDone(ctx, sh.ScanID, sum.Failed); err != nil {
		return nil, err
	}
	return sum, nil
}

// read fills part with what the shard lists and judges. The error return
// is the context's end.
func (e *Engine) read(ctx context.Context, caps *accountCaps, part *cloudscope.ShardPart, started time.Time) error {
	sh := part.Shard
	q := discovery.Query{Regions: []string{sh.Region}, Types: regionalTypes(sh.Types)}
	if bucketShard(sh) {
		// Every bucket of the account, each under its own region: the
		// bucket list is global, so one shard per account reads it.
		q = discovery.Query{Types: sh.Types}
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

	// The rules that need no metrics judge every other resource at once;
	// those that do, ChunkTargets resources at a time: each chunk's series
	// are read, judged and dropped before the next, so a shard never holds
	// more than one chunk's series.
	window := MetricsWindow(started)
	var plain, measured []cloudscope.Resource
	for _, r := range resources {
		if _, ok := Target(r); ok {
			measured = append(measured, r)
		} else {
			plain = append(plain, r)
		}
	}
	e.judge(ctx, part, plain, resources, nil, window, started)
	for chunk := range slices.Chunk(measured, e.opts.ChunkTargets) {
		series, err := e.chunkMetrics(ctx, caps, part, chunk, window)
		if err != nil {
			return err
		}
		e.judge(ctx, part, chunk, resources, series, window, started)
	}
	// A saving counts only resources of the shard (a stopped instance's
	// volumes are those the shard lists): each one's charges are counted
	// once here, and the finalize, which merges the parts, has nothing to
	// cover.
	cloudscope.CoverSavings(part.Findings)
	Attribute(sh.AccountID, part.Findings, part.Insufficient)
	cloudscope.SortFindings(part.Findings)
	slices.SortFunc(resources, cloudscope.CompareStored)
	part.Resources = resources
	return nil
}

func (e *Engine) judge(ctx context.Context, part *cloudscope.ShardPart, rs, among []cloudscope.Resource, series map[string]*cloudscope.ResourceMetrics, window metrics.Window, started time.Time) {
	if len(rs) == 0 {
		return
	}
	judged := e.d.Scanner.Judge(ctx, rs, among, series, window, started)
	part.Findings = append(part.Findings, judged.Findings...)
	part.Insufficient = append(part.Insufficient, judged.Insufficient...)
}

// chunkMetrics reads a chunk's series, once more after a pause when the
// first read failed for a passing reason; a failure is recorded in the
// part (the chunk is then judged without metrics: its rules that need them
// are undecided). The error return is the context's end.
func (e *Engine) chunkMetrics(ctx context.Context, caps *accountCaps, part *cloudscope.ShardPart, chunk []cloudscope.Resource, window metrics.Window) (map[string]*cloudscope.ResourceMetrics, error) {
	targets := make([]metrics.Target, 0, len(chunk))
	for _, r := range chunk {
		t, _ := Target(r)
		targets = append(targets, t)
	}
	region := chunk[0].Region
	fetch := func() (*metrics.Result, error) {
		return e.d.Scanner.FetchRuleMetrics(ctx, caps.met, region, targets, window)
	}
	res, err := fetch()
	if err != nil && ctx.Err() == nil && cloudscope.CodeOf(err).Transient() {
		if err := sleep(ctx, e.opts.RetryPause); err != nil {
			return nil, err
		}
		res, err = fetch()
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		part.Errors = append(part.Errors, failure(part.Shard.AccountID, region, "cloudwatch", err))
		part.MetricsFailed++
		return nil, nil
	}
	part.MetricsRead++
	part.Calls["cloudwatch:GetMetricData"] += int(res.Calls)
	part.MetricsRequested += res.MetricsRequested
	series := make(map[string]*cloudscope.ResourceMetrics, len(res.Resources))
	for j := range res.Resources {
		series[SeriesKey(&res.Resources[j])] = &res.Resources[j]
	}
	return series, nil
}

// failure records what could not be read, for the account.
func failure(account, region, service string, err error) cloudscope.Failure {
	var ce *cloudscope.Error
	if errors.As(err, &ce) {
		return cloudscope.Failure{AccountID: account, Region: region, Service: service, Code: string(ce.Code), Message: ce.Message}
	}
	return cloudscope.Failure{AccountID: account, Region: region, Service: service, Code: string(cloudscope.CodeOf(err)), Message: service + ": request failed"}
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
