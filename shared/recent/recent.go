// Package recent shares answers about what never changes once stored (a
// stored scan, the diff of two): identical questions asked at once are one
// computation, and the most recent answers are kept for the next asker.
package recent

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"
)

// Answers keeps up to Size recent answers of type V by key. The zero value
// shares computations but keeps nothing; set Size to keep.
type Answers[V any] struct {
	Size   int
	flight singleflight.Group
	mu     sync.Mutex
	kept   []kept[V] // newest last
}

type kept[V any] struct {
	key    string
	answer V
}

// Get is the answer under key: a kept one, or compute's, computed once for
// all who ask at once. compute runs apart from ctx's end (one asker leaving
// does not fail the others waiting on it) and says whether its answer may
// be kept (a very large one may not). An asker whose ctx ends stops waiting.
func (a *Answers[V]) Get(ctx context.Context, key string, compute func(context.Context) (V, bool, error)) (V, error) {
	a.mu.Lock()
	for i, k := range a.kept {
		if k.key == key {
			a.kept = append(append(a.kept[:i:i], a.kept[i+1:]...), k) // now the newest
			a.mu.Unlock()
			return k.answer, nil
		}
	}
	a.mu.Unlock()
	ch := a.flight.DoChan(key, func() (any, error) {
		v, keep, err := compute(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		if keep && a.Size > 0 {
			a.mu.Lock()
			if len(a.kept) >= a.Size {
				a.kept = a.kept[len(a.kept)-a.Size+1:]
			}
			a.kept = append(a.kept, kept[V]{key, v})
			a.mu.Unlock()
		}
		return v, nil
	})
	var zero V
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		return r.Val.(V), nil
	}
}
