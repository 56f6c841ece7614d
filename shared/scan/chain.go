package scan

import (
	"context"
	"sync"
)

// A scan's time is its longest chain of dependent calls: the region list,
// then each region's listings, then one wave of GetMetricData calls. The
// helpers here run the independent parts of a one-account scan together,
// so that no other wait is added to that chain (an organization scan's
// shards run apart in the pool or the state machine's map).

// RegionsAtOnce is how many regions' metrics a scan reads at once, and
// SeriesAtOnce how many resources' series it holds at once: a region's
// series are judged and dropped as soon as they arrive, and regions are read
// together only while their resources to read add up to SeriesAtOnce (a
// larger region is read alone). The 10,000-resource benchmark (2,500 a
// region) peaks at 162 MiB one region at a time, 323 MiB two at a time and
// 382 MiB three at a time: the series, not the region count, bound memory.
// Each region's GetMetricData calls are bounded apart
// (metrics.Options.Concurrency) under that region's own quota, so regions
// read together trip no shared rate limit.
const (
	RegionsAtOnce = 3
	SeriesAtOnce  = 2500
)

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

// eachAtOnce runs read for every item, at most bound at once and while the
// items read and not yet used weigh at most capacity (an item heavier than
// that runs alone), and hands each result to use as it comes, one at a time
// (use may change shared state without a lock, and frees the result before
// its weight is released). It returns when every item is used, or with
// ctx's error if ctx ends (reads not yet started are not started).
func eachAtOnce[I, R any](ctx context.Context, items []I, bound, capacity int, weight func(I) int,
	read func(ctx context.Context, item I) R, use func(item I, r R)) error {
	bound = max(1, bound)
	type done struct {
		item I
		w    int
		r    R
	}
	results := make(chan done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu            sync.Mutex
		cond          = sync.NewCond(&mu)
		running, held int
		wg            sync.WaitGroup
	)
	stopWaking := context.AfterFunc(ctx, func() { mu.Lock(); cond.Broadcast(); mu.Unlock() })
	defer stopWaking()
	go func() {
		defer func() { wg.Wait(); close(results) }()
		for _, it := range items {
			w := max(0, min(weight(it), capacity))
			mu.Lock()
			for running > 0 && (running >= bound || held+w > capacity) && ctx.Err() == nil {
				cond.Wait()
			}
			if ctx.Err() != nil {
				mu.Unlock()
				return
			}
			running, held = running+1, held+w
			mu.Unlock()
			wg.Go(func() {
				r := read(ctx, it)
				select {
				case results <- done{it, w, r}:
				case <-ctx.Done():
				}
			})
		}
	}()
	for d := range results {
		use(d.item, d.r)
		mu.Lock() // the next read starts once this result is used and dropped
		running, held = running-1, held-d.w
		cond.Broadcast()
		mu.Unlock()
	}
	return ctx.Err()
}
