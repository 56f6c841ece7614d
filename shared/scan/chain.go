package scan

import (
	"context"
	"sync"
)

// A scan's time is its longest chain of dependent calls: the region list,
// then each region's listings, then one wave of GetMetricData calls. The
// helpers here run the independent parts of a scan together, so that no
// other wait is added to that chain; a sharded scan reuses them per shard.

// RegionsAtOnce is how many regions' metrics a scan reads at once. A
// region's series are judged and dropped as soon as they arrive, so a scan
// holds at most this many regions' series at a time (the 10,000-resource
// benchmark's peak heap is measured with it). Each region's GetMetricData
// calls are bounded apart (metrics.Options.Concurrency) under that region's
// own quota, so three regions at once trip no shared rate limit.
const RegionsAtOnce = 3

// beside starts f now and returns a wait for its result: for work that needs
// nothing the rest of the scan reads (Cost Explorer needs neither discovery
// nor metrics). The caller cancels ctx when it returns early, so f ends too.
func beside[T any](f func() T) (wait func() T) {
	done := make(chan T, 1)
	go func() { done <- f() }()
	var once sync.Once
	var v T
	return func() T {
		once.Do(func() { v = <-done })
		return v
	}
}

// eachAtOnce runs read for every item, at most bound at once, and hands each
// result to use as it comes, one at a time (use may change shared state
// without a lock, and frees the result before the next read starts). It
// returns when every item is used, or at once with ctx's error if ctx ends
// (reads not yet started are not started).
func eachAtOnce[I, R any](ctx context.Context, items []I, bound int, read func(ctx context.Context, item I) R, use func(item I, r R)) error {
	bound = max(1, bound)
	type done struct {
		item I
		r    R
	}
	results := make(chan done)
	sem := make(chan struct{}, bound)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	go func() {
		defer func() { wg.Wait(); close(results) }()
		for _, it := range items {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				r := read(ctx, it)
				select {
				case results <- done{it, r}:
				case <-ctx.Done():
				}
			})
		}
	}()
	for d := range results {
		use(d.item, d.r)
		<-sem // the next read starts once this result is used and dropped
	}
	return ctx.Err()
}
