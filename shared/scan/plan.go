package scan

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// PlanShard is the pseudo-shard whose part records the plan's own
// findings: the accounts skipped (not ACTIVE) and those whose regions
// could not be listed. It holds no resources; its key is "#global".
func PlanShard(scanID string) cloudscope.Shard {
	return cloudscope.Shard{ScanID: scanID, Region: cloudscope.Global}
}

// Plan lists the shards of scan id: for every account the setting selects
// (ACTIVE only), one shard per enabled region of that account (one
// DescribeRegions call each; accounts differ) that EngineOptions.Regions keeps,
// split by EngineOptions.SplitTypes, and one shard for its S3 buckets. The
// regions not read are named in the plan's part with code skipped (which
// counts against nothing): those of EngineOptions.Regions an account has not
// enabled, per account, and those the setting leaves out, once per  An account whose role cannot be
// assumed gets one shard, which reports it. The plan's part (PlanShard)
// is stored, and the shard total set in the scan's status. The plan takes
// the one-scan lease for the whole organization scan (StateMachineLeaseDuration;
// its finalize ends it): while another scan runs it plans nothing and
// returns *ErrScanRunning.
//
// A scan id already stored (not failed) plans nothing: a retried delivery
// stores nothing new.
//
// A plan that fails for good (not throttled, unavailable or timed out,
// which the state machine retries) ends the lease and says so in the
// status, so that the next scan is not held back for hours.
func (e *Engine) Plan(ctx context.Context, scanID string) ([]cloudscope.Shard, error) {
	if e.d.Scanner == nil {
		return e.plan(ctx, scanID)
	}
	if stored, err := e.d.Scanner.stored(ctx, scanID); err != nil {
		return nil, err
	} else if stored {
		// A retried delivery of a scan already stored: it plans nothing
		// (its parts stay as they are), and its finalize finds it stored.
		return []cloudscope.Shard{}, nil
	}
	if err := e.d.Scanner.hold(ctx, scanID, "plan", StateMachineLeaseDuration); err != nil {
		return nil, err
	}
	shards, err := e.plan(ctx, scanID)
	if err != nil && ctx.Err() == nil && !cloudscope.CodeOf(err).Transient() {
		_ = e.d.Scanner.release(ctx, scanID, "plan", err)
	}
	return shards, err
}

// plan is Plan under the lease.
func (e *Engine) plan(ctx context.Context, scanID string) ([]cloudscope.Shard, error) {
	ctx = accountset.ForScan(ctx, scanID)
	started := e.d.Now().UTC()
	r, err := e.d.Accounts.Resolve(ctx)
	if err != nil {
		return nil, fmt.Errorf("resolve the accounts: %w", err)
	}
	part := newPart(PlanShard(scanID), started)
	part.Errors = append(part.Errors, r.SkippedFailures()...)

	perAccount := make([][]cloudscope.Shard, len(r.Accounts))
	failures := make([]*cloudscope.Failure, len(r.Accounts))
	sem := make(chan struct{}, e.opts.PlanConcurrency)
	var wg sync.WaitGroup
	var listed int
	var mu sync.Mutex
	outside, skipped := map[string]bool{}, map[string]bool{}
	for i, a := range r.Accounts {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			regions, calls, f := e.regionsOf(ctx, a.ID)
			mu.Lock()
			listed += calls
			mu.Unlock()
			if f != nil {
				// Never a guess at its regions: the account is not read,
				// and the snapshot says so (the scan is partial).
				failures[i] = f
				return
			}
			names := make([]string, len(regions))
			for j, reg := range regions {
				names[j] = reg.Name
			}
			sel := e.opts.Regions.Select(names)
			perAccount[i] = e.shardsOf(scanID, a.ID, sel.Read)
			mu.Lock()
			for _, reg := range sel.NotEnabled {
				part.Errors = append(part.Errors, cloudscope.Failure{AccountID: a.ID, Region: reg, Service: "ec2", Code: accountset.CodeSkipped,
					Message: "the region is not enabled in this account: not read"})
			}
			for _, reg := range sel.Outside {
				outside[reg] = true
			}
			for _, reg := range sel.Skipped {
				skipped[reg] = true
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e.oneAccount() && len(r.Accounts) == 1 && failures[0] != nil {
		// A one-account scan that cannot list its account's regions has
		// nothing to read: it fails now, as its discovery did, with the
		// cause's kind (the state machine retries a passing one).
		return nil, fmt.Errorf("list the regions of the account: %w", cloudscope.Errorf(cloudscope.ErrorCode(failures[0].Code), "%s", failures[0].Message))
	}
	var shards []cloudscope.Shard
	for i := range r.Accounts {
		shards = append(shards, perAccount[i]...)
		if failures[i] != nil {
			part.Errors = append(part.Errors, *failures[i])
		}
	}
	// The regions left out by the scan's own setting, once each for the
	// whole scan (not once per account): why they were not read.
	for _, reg := range slices.Sorted(maps.Keys(outside)) {
		part.Errors = append(part.Errors, cloudscope.Failure{Region: reg, Service: "ec2", Code: accountset.CodeSkipped,
			Message: "not among the scan's regions (" + e.opts.Regions.String() + "): not read in any account"})
	}
	for _, reg := range slices.Sorted(maps.Keys(skipped)) {
		part.Errors = append(part.Errors, cloudscope.Failure{Region: reg, Service: "ec2", Code: accountset.CodeSkipped,
			Message: "among the regions the scan skips (" + e.opts.Regions.String() + "): not read in any account"})
	}
	part.Calls["ec2:DescribeRegions"] = listed
	shards = interleave(shards)
	part.Planned = make([]string, len(shards))
	for i, sh := range shards {
		part.Planned[i] = sh.Key()
	}
	part.FinishedAt = e.d.Now().UTC()
	if err := e.save(ctx, part); err != nil {
		return nil, err
	}
	if err := e.d.Parts.SetShardTotal(ctx, scanID, len(shards)); err != nil {
		return nil, fmt.Errorf("set the shard total: %w", err)
	}
	return shards, nil
}

// regionsOf lists account id's enabled regions, reaching it through its
// role first. A passing trouble (throttled, unavailable, timed out) is
// tried again, EngineOptions.PlanAttempts times in all, after growing pauses;
// calls counts the DescribeRegions calls made. What still fails is the
// account's failure: it is not read.
func (e *Engine) regionsOf(ctx context.Context, id string) (regions []cloudscope.Region, calls int, f *cloudscope.Failure) {
	pause := e.opts.RetryPause
	for attempt := 1; ; attempt++ {
		caps, err := e.account(ctx, id)
		if err == nil {
			calls++
			if regions, err = caps.disc.Regions(ctx); err == nil {
				return regions, calls, nil
			}
		}
		if attempt >= e.opts.PlanAttempts || ctx.Err() != nil || !cloudscope.CodeOf(err).Transient() || sleep(ctx, pause) != nil {
			var failed cloudscope.Failure
			if caps == nil { // its role refused, or could not be assumed
				failed = accountset.Failure(id, err)
			} else {
				failed = failure(id, cloudscope.Global, "ec2", err)
				failed.Detail = awserr.Detail(err)
			}
			failed.Message = strings.TrimSuffix(failed.Message, ": the account was not read") + ": the account was not read"
			return nil, calls, &failed
		}
		pause *= 2
	}
}

// shardsOf are one account's shards: its buckets (filed under the home
// region, or the first enabled region when the account lacks it), then
// each region's, split by type groups when asked.
func (e *Engine) shardsOf(scanID, account string, regions []string) []cloudscope.Shard {
	home := e.d.HomeRegion
	if !slices.Contains(regions, home) && len(regions) > 0 {
		home = regions[0]
	}
	shards := []cloudscope.Shard{{ScanID: scanID, AccountID: account, Region: home, Types: []cloudscope.ResourceType{cloudscope.S3}}}
	for _, region := range regions {
		for _, g := range e.groups() {
			shards = append(shards, cloudscope.Shard{ScanID: scanID, AccountID: account, Region: region, Types: g})
		}
	}
	return shards
}

// groups are the type groups of a regional shard: nil (every regional
// type) unless EngineOptions.SplitTypes says otherwise.
func (e *Engine) groups() [][]cloudscope.ResourceType {
	if len(e.opts.SplitTypes) == 0 {
		return [][]cloudscope.ResourceType{nil}
	}
	var out [][]cloudscope.ResourceType
	grouped := map[cloudscope.ResourceType]bool{cloudscope.S3: true}
	for _, g := range e.opts.SplitTypes {
		var kept []cloudscope.ResourceType
		for _, t := range g {
			if !grouped[t] && t.Valid() {
				kept = append(kept, t)
				grouped[t] = true
			}
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	for _, t := range cloudscope.ResourceTypes {
		if !grouped[t] {
			out = append(out, []cloudscope.ResourceType{t})
		}
	}
	return out
}

// regionalTypes are the types a regional shard lists: its own, or every
// type but S3 (whose list is global: the S3 shard's).
func regionalTypes(types []cloudscope.ResourceType) []cloudscope.ResourceType {
	if len(types) > 0 {
		return types
	}
	return slices.DeleteFunc(slices.Clone(cloudscope.ResourceTypes), func(t cloudscope.ResourceType) bool { return t == cloudscope.S3 })
}

// bucketShard reports whether s is an account's S3 shard.
func bucketShard(s cloudscope.Shard) bool {
	return len(s.Types) == 1 && s.Types[0] == cloudscope.S3
}

// capabilities are the discoverer and fetcher of each account, built once
// per clients (in the local pool, an account's region list is read once).
type capabilities struct {
	mu sync.Mutex
	m  map[string]*accountCaps
}

type accountCaps struct {
	clients *awsconf.Clients
	disc    Discoverer
	met     Fetcher
}

// account returns account id's capabilities, or the error of reaching it.
func (e *Engine) account(ctx context.Context, id string) (*accountCaps, error) {
	clients, err := e.d.Accounts.Clients(ctx, id)
	if err != nil {
		return nil, err
	}
	e.caps.mu.Lock()
	defer e.caps.mu.Unlock()
	if c := e.caps.m[id]; c != nil && c.clients == clients {
		return c, nil
	}
	if e.caps.m == nil {
		e.caps.m = map[string]*accountCaps{}
	}
	c := &accountCaps{clients: clients, disc: e.d.Discovery(clients), met: e.d.Metrics(clients)}
	e.caps.m[id] = c
	return c, nil
}

// save stores a part, at most StoreWrites at once.
func (e *Engine) save(ctx context.Context, p *cloudscope.ShardPart) error {
	select {
	case e.writes <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.writes }()
	if err := e.d.Parts.SavePart(ctx, p); err != nil {
		return fmt.Errorf("store the part of shard %s: %w", p.Shard.Key(), err)
	}
	return nil
}
