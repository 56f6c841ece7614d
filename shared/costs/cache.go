package costs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/costs/costquery"
)

// Cache keeps answers under their normalized query. Get reports a miss for
// an entry older than its time to live.
type Cache interface {
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	Put(ctx context.Context, key string, val []byte, ttl time.Duration) error
}

// answer is a Report or a Forecast: each says where it came from.
type answer interface{ FetchInfo() *costquery.Fetched }

// flight is one fetch in progress; identical requests wait for it instead of
// paying for their own.
type flight struct {
	done chan struct{}
	val  []byte
	err  error
}

// cached fills out with the answer for key: from the cache, from a fetch
// already in flight, or from fetch, whose answer it then stores.
func (s *Service) cached(ctx context.Context, key string, out answer, fetch func(context.Context) (any, error)) error {
	var cacheErr error
	if val, ok, err := s.cache.Get(ctx, key); err == nil && ok {
		err := json.Unmarshal(val, out)
		if err == nil {
			f := out.FetchInfo()
			f.Cached, f.Requests = true, 0
			return nil
		}
		cacheErr = fmt.Errorf("cached answer for %s is unreadable: %w", key, err)
	} else if err != nil {
		cacheErr = err
	}

	s.mu.Lock()
	if fl, ok := s.inflight[key]; ok {
		s.mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if fl.err != nil {
			return fl.err
		}
		if err := json.Unmarshal(fl.val, out); err != nil {
			return err
		}
		f := out.FetchInfo()
		f.Cached, f.Requests = true, 0
		return nil
	}
	fl := &flight{done: make(chan struct{})}
	s.inflight[key] = fl
	s.mu.Unlock()

	defer func() {
		s.mu.Lock()
		delete(s.inflight, key)
		s.mu.Unlock()
		close(fl.done)
	}()
	// A fetch that finished between the first look and this flight stored
	// its answer: look again before paying for another.
	if val, ok, err := s.cache.Get(ctx, key); err == nil && ok {
		if err := json.Unmarshal(val, out); err == nil {
			fl.val = val
			f := out.FetchInfo()
			f.Cached, f.Requests = true, 0
			return nil
		}
	}
	// The fetch serves every request waiting on it: one caller going away
	// must not cancel it for the others.
	fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	v, err := fetch(fetchCtx)
	if err != nil {
		fl.err = err
		return err
	}
	a := v.(answer)
	a.FetchInfo().FetchedAt = s.opts.Now().UTC().Truncate(time.Second)
	fl.val, fl.err = json.Marshal(a)
	if fl.err != nil {
		return fl.err
	}
	if err := s.cache.Put(ctx, key, fl.val, s.opts.TTL); err != nil && cacheErr == nil {
		cacheErr = err
	}
	if err := json.Unmarshal(fl.val, out); err != nil {
		return err
	}
	// The answer is served all the same (fetched afresh); the caller logs
	// the failure, since a broken cache bills every request.
	if cacheErr != nil {
		out.FetchInfo().CacheError = cacheErr.Error()
	}
	return nil
}

// MemoryCache is a Cache in process memory, for `cloudscope serve` and for a
// function with no table configured. It holds at most MaxEntries answers.
type MemoryCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]memoryEntry
}

// MaxEntries bounds a MemoryCache; the entry nearest expiry goes first.
const MaxEntries = 256

type memoryEntry struct {
	val     []byte
	expires time.Time
}

// NewMemoryCache returns an empty cache on the clock now.
func NewMemoryCache(now func() time.Time) *MemoryCache {
	return &MemoryCache{now: now, entries: map[string]memoryEntry{}}
}

// Get returns a fresh entry.
func (c *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil, false, nil
	}
	return e.val, true, nil
}

// Put stores an entry for ttl.
func (c *MemoryCache) Put(_ context.Context, key string, val []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= MaxEntries {
		var oldest string
		for k, e := range c.entries {
			if oldest == "" || e.expires.Before(c.entries[oldest].expires) {
				oldest = k
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[key] = memoryEntry{val: val, expires: c.now().Add(ttl)}
	return nil
}
