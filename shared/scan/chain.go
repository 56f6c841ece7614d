package scan

import (
	"sync"
)

// A scan's time is its longest chain of dependent calls: the region list,
// then each region's listings, then one wave of GetMetricData calls. A
// one-account scan run in one process reads its cost summary beside that
// chain (beside), and its regions' shards RegionsAtOnce at a time.

// RegionsAtOnce is how many of a one-account scan's shards (its regions)
// a Scanner runs at once (Deps.RegionsAtOnce), and SeriesAtOnce how many
// resources' series each shard holds at once: a chunk's series are judged
// and dropped as soon as they arrive. Each region's GetMetricData calls
// are bounded apart (metricquery.Options.Concurrency) under that region's own
// quota, so regions read together trip no shared rate limit.
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
