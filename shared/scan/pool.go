package scan

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Scan runs scan id in this process, as the state machine runs it
// deployed: the plan, then the identical RunShard for every shard under
// the local pool's bounds (EngineOptions.Concurrency at once, PerAccount of one
// account, accounts taken in turn), a shard that fails to store run once
// more, then the finalize. The whole scan holds the one-scan lease, and
// its status (step, regions and shards done, failed and planned) is kept
// in the store; progress, when set, hears each step too.
func (e *Engine) Scan(ctx context.Context, scanID string, progress func(Progress)) (*Result, error) {
	return e.d.Scanner.runWith(ctx, scanID, func(ctx context.Context, t *tracker, report func(Progress)) (*Result, error) {
		var mu sync.Mutex // report writes the status: one at a time
		tell := func(p Progress) {
			mu.Lock()
			defer mu.Unlock()
			report(p)
			if progress != nil {
				progress(p)
			}
		}
		in, err := e.inProcess(ctx, scanID, tell, true)
		if err != nil {
			return nil, err
		}
		tell(Progress{Step: "finalize", Detail: "costs, counts, snapshot, notification", Shards: &in.shards})
		return e.finalize(ctx, scanID, t, in)
	})
}

// local is what a scan run in one process brings to its finalize: the
// cost summary of a one-account scan, read beside the plan and the shards
// (nil: the finalize reads it), the calls of the clients the shards share
// (Price List, DescribeInstanceTypes), and the shards' tally.
type local struct {
	costs  func() costResult
	calls  map[string]int
	shards cloudscope.ShardProgress
}

// inProcess plans scan id (under the lease its caller holds) and runs every
// shard in the local pool, telling each step: the plan, then each shard
// done with the regions whose shards are all done. A one-account scan's
// cost summary (and, when stored, its anomaly query) is read beside them:
// Cost Explorer needs neither discovery nor metrics.
func (e *Engine) inProcess(ctx context.Context, scanID string, tell func(Progress), stored bool) (*local, error) {
	in := &local{calls: map[string]int{}}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if e.oneAccount() {
		in.costs = beside(func() costResult { return e.d.Scanner.costsOf(ctx, stored) })
	}
	pricesAsked, typesAsked := e.d.Scanner.priceCalls(), e.d.Scanner.typeCalls()
	tell(Progress{Step: "plan", Detail: "listing the accounts and their regions"})
	shards, err := e.plan(ctx, scanID)
	if err != nil {
		return nil, err
	}
	// A region is done when its shards are (the buckets' shard is filed
	// under the home region).
	left := map[string]int{}
	for _, sh := range shards {
		left[sh.Region]++
	}
	regionsDone, regions := 0, len(left)
	var mu sync.Mutex
	sp := cloudscope.ShardProgress{Total: len(shards)}
	tell(Progress{Step: "shards", Detail: fmt.Sprintf("%d shards over %d accounts", len(shards), countAccounts(shards)), Regions: regions, Shards: &sp})
	one := countAccounts(shards) == 1
	e.pool(ctx, shards, func(ctx context.Context, sh cloudscope.Shard) {
		sum, err := e.runShard(ctx, sh)
		if err != nil && ctx.Err() == nil && e.worthAgain(err) {
			if sleep(ctx, e.opts.RetryPause) == nil {
				sum, err = e.runShard(ctx, sh)
			}
		}
		if err != nil && ctx.Err() == nil {
			e.lost(ctx, sh, err)
		}
		mu.Lock()
		detail := sh.Key()
		switch {
		case err != nil || sum.Failed:
			sp.Failed++
		default:
			sp.Done++
			if one {
				// One account: say what the region's shard read.
				detail = fmt.Sprintf("%s: %d resources, %d GetMetricData calls", sh.Region, sum.Resources, sum.Calls["cloudwatch:GetMetricData"])
				if bucketShard(sh) {
					detail = fmt.Sprintf("%d buckets", sum.Resources)
				}
			}
		}
		if left[sh.Region]--; left[sh.Region] == 0 {
			regionsDone++
		}
		now, done := sp, regionsDone
		mu.Unlock()
		tell(Progress{Step: "shards", Detail: detail, RegionsDone: done, Regions: regions, Shards: &now})
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e.d.Scanner.d.Prices != nil {
		in.calls["pricing:GetProducts"] = e.d.Scanner.priceCalls() - pricesAsked
	}
	if e.d.Scanner.d.InstanceTypes != nil {
		in.calls["ec2:DescribeInstanceTypes"] = e.d.Scanner.typeCalls() - typesAsked
	}
	if in.costs != nil {
		c := in.costs() // before ctx is cancelled
		in.costs = func() costResult { return c }
	}
	in.shards = sp
	return in, nil
}

// lost stores, best effort, a part saying that shard sh could not be run
// (its part could not be stored twice), so that the snapshot names it.
func (e *Engine) lost(ctx context.Context, sh cloudscope.Shard, err error) {
	p := newPart(sh, e.d.Now().UTC())
	p.FinishedAt = p.StartedAt
	p.Errors = append(p.Errors, failure(sh.AccountID, sh.Region, "shard", err))
	_ = e.d.Parts.SavePart(ctx, p)
	_ = e.d.Parts.ShardDone(ctx, sh.ScanID, true)
}

func countAccounts(shards []cloudscope.Shard) int {
	seen := map[string]bool{}
	for _, s := range shards {
		seen[s.AccountID] = true
	}
	return len(seen)
}

// pool runs every shard through run, at most EngineOptions.Concurrency at once
// and at most PerAccount of one account's regions at once (its buckets'
// shard beside them), taking the accounts in
// turn (their first shards first), so that one large account neither
// starves the others nor runs into its own rate limits with every worker.
// It returns when every shard has run, or, once ctx ends, when the running
// ones have.
func (e *Engine) pool(ctx context.Context, shards []cloudscope.Shard, run func(context.Context, cloudscope.Shard)) {
	queue := interleave(shards)
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	running := map[string]int{}
	next := func() (cloudscope.Shard, bool) {
		mu.Lock()
		defer mu.Unlock()
		for {
			if len(queue) == 0 || ctx.Err() != nil {
				return cloudscope.Shard{}, false
			}
			for i, s := range queue {
				// An account's buckets' shard lists S3 once, globally: it
				// takes none of the places its regions' shards share.
				if bucketShard(s) || running[s.AccountID] < e.opts.PerAccount {
					queue = slices.Delete(queue, i, i+1)
					if !bucketShard(s) {
						running[s.AccountID]++
					}
					return s, true
				}
			}
			// Every shard left belongs to an account at its bound: one of
			// its running shards finishing wakes this worker.
			cond.Wait()
		}
	}
	var wg sync.WaitGroup
	for range min(e.opts.Concurrency, len(shards)) {
		wg.Go(func() {
			for {
				s, ok := next()
				if !ok {
					return
				}
				run(ctx, s)
				mu.Lock()
				if !bucketShard(s) {
					running[s.AccountID]--
				}
				cond.Broadcast()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// MapConcurrency is how many of items (in the map's order, as the plan
// returns them) the Distributed Map runs at once (the plan state's answer,
// scanapp.Plan): the most, up to maxConcurrency, for which no run of that
// many items in a row holds more than perAccount of one account, never
// less than 1 (0 would let the map run 10,000 at once). The map starts
// items in order, so with shards of equal length no account then has more
// than perAccount running at once. With the plan interleaved and accounts
// of as many shards each, that is accounts x perAccount.
// BenchmarkMapShardsPerAccount measures shards of unequal length.
func MapConcurrency(items []cloudscope.Shard, maxConcurrency, perAccount int) int {
	fits := func(c int) bool {
		in := map[string]int{}
		for i, s := range items {
			if i >= c {
				in[items[i-c].AccountID]--
			}
			if in[s.AccountID]++; in[s.AccountID] > perAccount {
				return false
			}
		}
		return true
	}
	hi := min(maxConcurrency, max(len(items), 1))
	// Fewer in a row never hold more: the largest that fits, by halves.
	return max(1, sort.Search(hi, func(c int) bool { return !fits(c + 1) }))
}

// interleave orders shards so that each account's are spread evenly over
// the whole order: the j-th of the n shards of the i-th of A accounts goes
// at (j + (i+0.5)/A)/n of the way (the accounts' phases staggered, so that
// those of as many shards do not bunch). Accounts of as many shards
// each come one at a time in turn (the first of every account, then the
// second of every account, ...); an account with more shards than the
// rest has them spaced closer, not left together at the end.
func interleave(shards []cloudscope.Shard) []cloudscope.Shard {
	var order []string
	by := map[string][]cloudscope.Shard{}
	for _, s := range shards {
		if _, ok := by[s.AccountID]; !ok {
			order = append(order, s.AccountID)
		}
		by[s.AccountID] = append(by[s.AccountID], s)
	}
	type placed struct {
		at      float64
		account int
		shard   cloudscope.Shard
	}
	all := make([]placed, 0, len(shards))
	for i, a := range order {
		n := float64(len(by[a]))
		for j, s := range by[a] {
			all = append(all, placed{at: (float64(j) + (float64(i)+0.5)/float64(len(order))) / n, account: i, shard: s})
		}
	}
	slices.SortStableFunc(all, func(x, y placed) int {
		if c := cmp.Compare(x.at, y.at); c != 0 {
			return c
		}
		return cmp.Compare(x.account, y.account)
	})
	out := make([]cloudscope.Shard, len(all))
	for i, p := range all {
		out[i] = p.shard
	}
	return out
}

// InBackground returns a Start (Service's) that runs scans in
// this process under ctx (the server's, not the request's), each bounded by
// limit, reporting failures to failed.
func (e *Engine) InBackground(ctx context.Context, limit time.Duration, failed func(id string, err error)) func(context.Context, string) error {
	return func(_ context.Context, id string) error {
		go func() {
			ctx, cancel := context.WithTimeout(ctx, limit)
			defer cancel()
			if _, err := e.Scan(ctx, id, nil); err != nil {
				failed(id, err)
			}
		}()
		return nil
	}
}
