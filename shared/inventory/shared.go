package inventory

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// pagesKept is how many recent pages of stored scans are kept (a page is
// at most MaxLimit resources, well under 1 MB of JSON).
const pagesKept = 32

// storedPages shares the pages of stored scans: a snapshot never changes
// once stored, so a page of it for one question is always the same
// answer. Identical questions asked at once (fifty viewers of one view)
// are one read, and recent pages are kept for the next viewer.
type storedPages struct {
	flight singleflight.Group
	mu     sync.Mutex
	recent []keptPage // newest last
}

type keptPage struct {
	key  string
	page *Page
}

// page is the page under key, read by read when not kept. The read is
// shared, so it runs apart from ctx's end: one viewer leaving does not fail
// the others waiting on it.
func (c *storedPages) page(ctx context.Context, key string, read func(context.Context) (*Page, error)) (*Page, error) {
	c.mu.Lock()
	for i, k := range c.recent {
		if k.key == key {
			c.recent = append(append(c.recent[:i:i], c.recent[i+1:]...), k)
			c.mu.Unlock()
			return k.page, nil
		}
	}
	c.mu.Unlock()
	ch := c.flight.DoChan(key, func() (any, error) {
		p, err := read(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if len(c.recent) == pagesKept {
			c.recent = c.recent[1:]
		}
		c.recent = append(c.recent, keptPage{key, p})
		c.mu.Unlock()
		return p, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Page), nil
	}
}

// storedShared is stored, shared among identical questions of snapshot h.
func (s *Service) storedShared(ctx context.Context, q Query, h *cloudscope.SnapshotHeader) (*Page, error) {
	offset := 0
	if q.cursor != nil {
		offset = q.cursor.Offset
	}
	key := h.ID + " " + q.question() + " " + strconv.Itoa(q.Limit) + " " + strconv.Itoa(offset)
	return s.pages.page(ctx, key, func(ctx context.Context) (*Page, error) { return s.stored(ctx, q, h) })
}
