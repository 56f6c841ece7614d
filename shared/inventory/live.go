package inventory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

// livePrefix starts the id of a live answer, which cursors page into while
// it is kept.
const livePrefix = "live-"

// live runs discoveries for source=live: identical requests in flight share
// one, an answer serves identical requests for the reuse window, and at
// most MaxLive run at once.
type live struct {
	discoverer Discoverer
	opts       Options
	group      singleflight.Group
	slots      chan struct{}

	mu      sync.Mutex
	answers map[string]*liveAnswer // by request key, and by id
}

type liveAnswer struct {
	id  string
	at  time.Time
	inv *resourcequery.Inventory // its resources in the stored order
}

func newLive(d Discoverer, opts Options) *live {
	return &live{discoverer: d, opts: opts, slots: make(chan struct{}, opts.MaxLive), answers: map[string]*liveAnswer{}}
}

// fromLive answers q from a discovery now (or one a moment ago).
func (s *Service) fromLive(ctx context.Context, q Query) (*Page, error) {
	if s.live.discoverer == nil {
		return nil, cloudscope.Errorf(cloudscope.CodeNotFound, "no scan is stored yet, and live reads are not served here")
	}
	var a *liveAnswer
	var err error
	if q.cursor != nil {
		if a = s.live.byID(q.cursor.Snapshot); a == nil {
			return nil, cloudscope.Invalid("cursor", "the live answer this cursor pages is gone (kept %s): start again without one", s.live.opts.Reuse)
		}
	} else if a, err = s.live.get(ctx, resourcequery.Query{Regions: q.Regions, Types: q.Types}); err != nil {
		return nil, err
	}
	p := newPage(q, SourceLive, a.id, a.at, a.inv.Regions)
	p.Errors = a.inv.Errors
	rs := a.inv.Resources
	stream := func(fn func([]cloudscope.Resource) error) error { return fn(rs) }
	var known *Counts
	if !q.filtered() && q.Sort == "" {
		c := zeroCounts(q, p.Regions)
		for _, r := range rs {
			if q.Match(&r) {
				c.Total++
				c.ByType[r.Type]++
				c.ByRegion[r.Region]++
			}
		}
		known = &c
	}
	if _, err := fill(p, q, stream, known, 0); err != nil {
		return nil, err
	}
	return p, nil
}

// key is a discovery request's identity.
func key(q resourcequery.Query) string {
	return fmt.Sprint(q.Regions, q.Types)
}

func (l *live) byID(id string) *liveAnswer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.answers[id]; a != nil && l.opts.Now().Sub(a.at) < l.opts.Reuse {
		return a
	}
	return nil
}

// get is the answer to q: kept, shared with an identical request in
// flight, or a new discovery when a slot is free.
func (l *live) get(ctx context.Context, q resourcequery.Query) (*liveAnswer, error) {
	k := key(q)
	if a := l.byID(k); a != nil {
		return a, nil
	}
	v, err, _ := l.group.Do(k, func() (any, error) {
		if a := l.byID(k); a != nil {
			return a, nil
		}
		select {
		case l.slots <- struct{}{}:
		default:
			return nil, &cloudscope.Error{Code: cloudscope.CodeBusy,
				Message: fmt.Sprintf("%d live reads are running; ask again in a moment, or read the stored inventory (no source=live)", cap(l.slots))}
		}
		defer func() { <-l.slots }()
		// The discovery outlives any one caller: others share it.
		inv, err := l.discoverer.Discover(context.WithoutCancel(ctx), q)
		if err != nil {
			return nil, err
		}
		// Discovery lists in its own order: put it in the stored order once,
		// for every page of every request the answer serves.
		inv.Resources = slices.Clone(inv.Resources)
		slices.SortFunc(inv.Resources, cloudscope.CompareStored)
		a := &liveAnswer{id: livePrefix + randomID(), at: l.opts.Now().UTC(), inv: inv}
		l.mu.Lock()
		for id, old := range l.answers { // drop what has expired
			if l.opts.Now().Sub(old.at) >= l.opts.Reuse {
				delete(l.answers, id)
			}
		}
		l.answers[k], l.answers[a.id] = a, a
		l.mu.Unlock()
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*liveAnswer), nil
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
