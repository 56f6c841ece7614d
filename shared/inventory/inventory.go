// Package inventory answers lists of resources: from the stored inventory
// of the newest scan by default (no AWS call), or from AWS now on request,
// with identical live requests sharing one discovery. Lists are filtered,
// sorted and paged here, streaming the stored chunks so that a page never
// holds more than it shows: the stored order (account, region, type, id) reads only
// the chunks the page needs; a filter or another sort streams the chunks of
// the regions asked and keeps the best offset+limit.
package inventory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/pagecursor"
	"github.com/cloudscope/cloudscope/shared/snapstore"
)

// Source is what a store offers for reads.
type Source interface {
	// LatestHeader is the newest snapshot's header, or nil.
	LatestHeader(ctx context.Context) (*cloudscope.SnapshotHeader, error)
	// Header is snapshot id's header, or nil.
	Header(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error)
	// ResourceChunks calls fn with snapshot id's resources in the given
	// regions (all when none), in the stored order: account, region, type
	// (in cloudscope.ResourceTypes order), id (cloudscope.CompareStored). fn
	// returning cloudscope.ErrStop ends it without error.
	ResourceChunks(ctx context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error
}

// Skipper is a Source that reads the stored order from an offset without
// reading the chunks before it (snapstore.Store), so that page k of the
// stored order reads only what it shows.
type Skipper interface {
	ResourceChunksAfter(ctx context.Context, id string, regions []string, skip int, fn func([]cloudscope.Resource) error) error
}

// Slimmer is a Source that keeps a slim projection of each chunk (id,
// name, state, tags, created, account, region, type: what filters and
// sorts read) beside it (snapstore.Store): a filter or a sort across
// everything decodes only those, and the page's whole records are read
// from the few chunks that hold them.
//
// Its chunks that no resource of can match the query's accounts, types,
// states or tag key are not read (snapstore.Where). The resources it gives
// share their chunk's memory and tag maps: read only, and cloned to keep.
type Slimmer interface {
	SlimChunksWhere(ctx context.Context, id string, regions []string, where snapstore.Where, fn func(chunk string, rs []cloudscope.Resource) error) (bool, error)
	ChunkResourcesAt(ctx context.Context, id string, want map[string][]int) (map[string]map[int]cloudscope.Resource, error)
}

// slim fills p from the slim chunks, then reads the page's whole records;
// done is false when the snapshot has no slim chunks.
func (s *Service) slim(ctx context.Context, q Query, h *cloudscope.SnapshotHeader, p *Page, sl Slimmer) (done bool, err error) {
	stored := true
	stream := func(fn func([]cloudscope.Resource) error) error {
		where := snapstore.Where{Accounts: q.Accounts, Types: q.Types, States: q.States, TagKey: q.TagKey}
		ok, err := sl.SlimChunksWhere(ctx, h.ID, q.Regions, where, func(chunk string, rs []cloudscope.Resource) error {
			for i := range rs {
				rs[i].ARN = chunk // where its whole record is: no filter or sort reads the ARN
			}
			return fn(rs)
		})
		stored = ok
		return err
	}
	at, err := fill(p, q, stream, nil, 0)
	if err != nil || !stored {
		return stored, err
	}
	want := map[string][]int{}
	for i, r := range p.Resources {
		want[r.ARN] = append(want[r.ARN], at[i])
	}
	whole, err := sl.ChunkResourcesAt(ctx, h.ID, want)
	if err != nil {
		return true, err
	}
	for i, r := range p.Resources {
		w, ok := whole[r.ARN][at[i]]
		if !ok || w.ID != r.ID || w.Type != r.Type || w.Region != r.Region || w.AccountID != r.AccountID {
			return true, fmt.Errorf("snapshot %s: resource %s is not in its chunk", h.ID, r.ID)
		}
		p.Resources[i] = w
	}
	return true, nil
}

// Discoverer reads the inventory from AWS now.
type Discoverer interface {
	Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error)
}

// Page is one page of a list.
type Page struct {
	Source     string                    `json:"source"`
	SnapshotID string                    `json:"snapshot_id,omitempty"`
	AsOf       time.Time                 `json:"as_of"`
	Regions    []string                  `json:"regions"`
	Types      []cloudscope.ResourceType `json:"types"`
	// Counts are of every resource that answers the filters, on every page.
	Counts     Counts                `json:"counts"`
	Limit      int                   `json:"limit"`
	NextCursor string                `json:"next_cursor,omitempty"`
	Resources  []cloudscope.Resource `json:"resources"`
	Errors     []cloudscope.Failure  `json:"errors"`
}

// Counts count the resources that answer a query.
type Counts struct {
	Total    int                             `json:"total"`
	ByType   map[cloudscope.ResourceType]int `json:"by_type"`
	ByRegion map[string]int                  `json:"by_region"`
}

// Service answers lists.
type Service struct {
	store Source
	live  *live
	pages storedPages
}

// Options tune the live reads.
type Options struct {
	// Reuse is how long a live answer serves identical requests, and the
	// cursors into it (default 60 s).
	Reuse time.Duration
	// MaxLive bounds the live discoveries running at once (default 2);
	// beyond it a request is refused with cloudscope.CodeBusy.
	MaxLive int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// New returns the service over a store (nil: live reads only) and discovery.
func New(store Source, live Discoverer, opts Options) *Service {
	if opts.Reuse <= 0 {
		opts.Reuse = time.Minute
	}
	if opts.MaxLive <= 0 {
		opts.MaxLive = 2
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: store, live: newLive(live, opts), pages: storedPages{Size: pagesKept}}
}

// List answers one page of q.
func (s *Service) List(ctx context.Context, q Query) (*Page, error) {
	source := q.Source
	if q.cursor != nil && strings.HasPrefix(q.cursor.Snapshot, livePrefix) {
		source = SourceLive
	}
	if source != SourceLive {
		if s.store == nil {
			if source == SourceLatest {
				return nil, cloudscope.Errorf(cloudscope.CodeNotFound, "no scans are stored here: ask for source=live")
			}
			return s.fromLive(ctx, q)
		}
		h, err := s.header(ctx, q)
		if err != nil {
			return nil, err
		}
		if h != nil {
			return s.storedShared(ctx, q, h)
		}
		if source == SourceLatest {
			return nil, cloudscope.Errorf(cloudscope.CodeNotFound, "no scan is stored yet: POST /scans, or ask for source=live")
		}
	}
	return s.fromLive(ctx, q)
}

// header is the snapshot a query reads: its cursor's, or the newest.
func (s *Service) header(ctx context.Context, q Query) (*cloudscope.SnapshotHeader, error) {
	if q.cursor == nil {
		return s.store.LatestHeader(ctx)
	}
	h, err := s.store.Header(ctx, q.cursor.Snapshot)
	if err == nil && h == nil {
		return nil, cloudscope.Invalid("cursor", "the snapshot this cursor pages is no longer stored: start again without one")
	}
	return h, err
}

// stored answers from a snapshot.
func (s *Service) stored(ctx context.Context, q Query, h *cloudscope.SnapshotHeader) (*Page, error) {
	p := newPage(q, SourceLatest, h.ID, h.FinishedAt, h.Regions)
	p.Errors = h.Errors
	var known *Counts
	if !q.filtered() && q.Sort == "" && h.Counts.ByGroup != nil {
		c := groupCounts(q, h.Counts.ByGroup, h.Regions)
		known = &c
	}
	stream := func(fn func([]cloudscope.Resource) error) error {
		return s.store.ResourceChunks(ctx, h.ID, q.Regions, fn)
	}
	if sl, ok := s.store.(Slimmer); ok && known == nil {
		done, err := s.slim(ctx, q, h, p, sl)
		if done || err != nil {
			return p, err
		}
		p = newPage(q, SourceLatest, h.ID, h.FinishedAt, h.Regions)
		p.Errors = h.Errors
	}
	skipped := 0
	if sk, ok := s.store.(Skipper); ok && known != nil && len(q.Types) == 0 && q.cursor != nil {
		// Every resource of the regions answers: the store starts at the
		// cursor's offset, reading none of the chunks before it.
		skipped = q.cursor.Offset
		stream = func(fn func([]cloudscope.Resource) error) error {
			return sk.ResourceChunksAfter(ctx, h.ID, q.Regions, skipped, fn)
		}
	}
	if _, err := fill(p, q, stream, known, skipped); err != nil {
		return nil, err
	}
	return p, nil
}

func newPage(q Query, source, id string, asOf time.Time, regions []string) *Page {
	types := q.Types
	if len(types) == 0 {
		types = cloudscope.ResourceTypes
	}
	if len(q.Regions) > 0 {
		regions = q.Regions
	}
	if regions == nil {
		regions = []string{}
	}
	return &Page{Source: source, SnapshotID: id, AsOf: asOf, Regions: regions, Types: types, Limit: q.Limit,
		Resources: []cloudscope.Resource{}, Errors: []cloudscope.Failure{}}
}

// groupCounts are the counts of a query without filters, from the stored
// counts per (type, region) group.
func groupCounts(q Query, byGroup map[string]int, regions []string) Counts {
	c := zeroCounts(q, regions)
	for key, n := range byGroup {
		t, region, _ := strings.Cut(key, "/")
		typ := cloudscope.ResourceType(t)
		if len(q.Regions) > 0 && !slices.Contains(q.Regions, region) || len(q.Types) > 0 && !slices.Contains(q.Types, typ) {
			continue
		}
		c.Total += n
		c.ByType[typ] += n
		c.ByRegion[region] += n
	}
	return c
}

// zeroCounts lists every type and region asked for, at zero.
func zeroCounts(q Query, regions []string) Counts {
	c := Counts{ByType: map[cloudscope.ResourceType]int{}, ByRegion: map[string]int{}}
	types := q.Types
	if len(types) == 0 {
		types = cloudscope.ResourceTypes
	}
	for _, t := range types {
		c.ByType[t] = 0
	}
	if len(q.Regions) > 0 {
		regions = q.Regions
	}
	for _, r := range regions {
		c.ByRegion[r] = 0
	}
	return c
}

// fill reads the page of q into p. With known counts (no filter, stored
// order) it reads only up to the page's end; otherwise it streams every
// chunk asked for, counting the matches and keeping the best offset+limit,
// and answers where each resource of the page was in the chunk it came in.
func fill(p *Page, q Query, stream func(func([]cloudscope.Resource) error) error, known *Counts, skipped int) ([]int, error) {
	offset := 0
	if q.cursor != nil {
		offset = q.cursor.Offset
	}
	if known != nil {
		p.Counts = *known
		skip := offset - skipped
		err := stream(func(rs []cloudscope.Resource) error {
			for i := range rs {
				if !q.Match(&rs[i]) {
					continue
				}
				if skip > 0 {
					skip--
					continue
				}
				p.Resources = append(p.Resources, rs[i])
				if len(p.Resources) == q.Limit {
					return cloudscope.ErrStop
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, cloudscope.ErrStop) {
			return nil, err
		}
	} else {
		p.Counts = zeroCounts(q, p.Regions)
		keep := offset + q.Limit
		best := newBest(ordering(q), keep)
		// Counted a run at a time: a chunk is one type and region.
		var run struct {
			typ    cloudscope.ResourceType
			region string
			n      int
		}
		flush := func() {
			p.Counts.Total += run.n
			p.Counts.ByType[run.typ] += run.n
			p.Counts.ByRegion[run.region] += run.n
			run.n = 0
		}
		err := stream(func(rs []cloudscope.Resource) error {
			for i := range rs {
				r := &rs[i]
				if !q.Match(r) {
					continue
				}
				if run.n > 0 && (r.Type != run.typ || r.Region != run.region) {
					flush()
				}
				run.typ, run.region = r.Type, r.Region
				run.n++
				best.offer(r, i)
			}
			return nil
		})
		flush()
		if err != nil && !errors.Is(err, cloudscope.ErrStop) {
			return nil, err
		}
		var at []int
		if kept := best.sorted(); offset < len(kept) {
			for _, k := range kept[offset:] {
				p.Resources = append(p.Resources, k.r)
				at = append(at, k.at)
			}
		}
		at = slices.Clip(at)
		setNext(p, q, offset)
		return at, nil
	}
	setNext(p, q, offset)
	return nil, nil
}

// setNext sets the cursor of the page after p, if there is one.
func setNext(p *Page, q Query, offset int) {
	if next := offset + len(p.Resources); next < p.Counts.Total && len(p.Resources) > 0 {
		p.NextCursor = pagecursor.Encode(cursor{Snapshot: p.SnapshotID, Offset: next, Question: q.question()})
	}
}

// best keeps the first keep resources offered in an order: a heap of
// them, the last on top, so that one after it is dropped with one
// comparison and one before it replaces it in log(keep).
type best struct {
	order func(a, b *cloudscope.Resource) int
	keep  int
	heap  []kept
}

// kept is a resource kept and where it was in its chunk.
type kept struct {
	r  cloudscope.Resource
	at int
}

func newBest(order func(a, b *cloudscope.Resource) int, keep int) *best {
	return &best{order: order, keep: keep}
}

// offer keeps a copy of *r (its strings cloned), at position at of its
// chunk, if it is among the first keep.
func (b *best) offer(r *cloudscope.Resource, at int) {
	if len(b.heap) == b.keep {
		if b.order(r, &b.heap[0].r) >= 0 {
			return
		}
		b.heap[0] = kept{owned(r), at}
		b.down(0)
		return
	}
	b.heap = append(b.heap, kept{owned(r), at})
	for i := len(b.heap) - 1; i > 0; {
		parent := (i - 1) / 2
		if b.order(&b.heap[i].r, &b.heap[parent].r) <= 0 {
			break
		}
		b.heap[i], b.heap[parent] = b.heap[parent], b.heap[i]
		i = parent
	}
}

// down restores the heap below i: every one after (or equal to) those under it.
func (b *best) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(b.heap) {
			return
		}
		if r := l + 1; r < len(b.heap) && b.order(&b.heap[r].r, &b.heap[l].r) > 0 {
			l = r
		}
		if b.order(&b.heap[l].r, &b.heap[i].r) <= 0 {
			return
		}
		b.heap[i], b.heap[l] = b.heap[l], b.heap[i]
		i = l
	}
}

// sorted is what was kept, in order.
func (b *best) sorted() []kept {
	slices.SortFunc(b.heap, func(x, y kept) int { return b.order(&x.r, &y.r) })
	return b.heap
}

// owned is a copy of r that shares no memory with the chunk it was read
// from (a slim chunk's strings are cut from one string of it all).
func owned(r *cloudscope.Resource) cloudscope.Resource {
	c := *r
	c.ID, c.Name, c.ARN = strings.Clone(c.ID), strings.Clone(c.Name), strings.Clone(c.ARN)
	if c.CreatedAt != nil {
		t := *c.CreatedAt
		c.CreatedAt = &t
	}
	return c
}

// ordering is the order of q: its sort column, then the stored order.
func ordering(q Query) func(a, b *cloudscope.Resource) int {
	var by func(a, b *cloudscope.Resource) int
	switch q.Sort {
	case "region":
		by = func(a, b *cloudscope.Resource) int { return strings.Compare(a.Region, b.Region) }
	case "type":
		by = func(a, b *cloudscope.Resource) int { return strings.Compare(string(a.Type), string(b.Type)) }
	case "id":
		by = func(a, b *cloudscope.Resource) int { return strings.Compare(a.ID, b.ID) }
	case "name":
		by = func(a, b *cloudscope.Resource) int { return compareFold(a.Name, b.Name) }
	case "state":
		by = func(a, b *cloudscope.Resource) int { return strings.Compare(a.State, b.State) }
	case "created_at":
		by = func(a, b *cloudscope.Resource) int { return cmp.Compare(created(a), created(b)) }
	default:
		by = func(a, b *cloudscope.Resource) int { return 0 }
	}
	return func(a, b *cloudscope.Resource) int {
		c := by(a, b)
		if q.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return compareStored(a, b)
	}
}

// compareStored is cloudscope.CompareStored without copying either.
func compareStored(a, b *cloudscope.Resource) int {
	switch {
	case a.AccountID != b.AccountID && (a.AccountID == "" || b.AccountID == ""):
		return strings.Compare(b.AccountID, a.AccountID) // the empty one last
	case a.AccountID != b.AccountID:
		return strings.Compare(a.AccountID, b.AccountID)
	case a.Region != b.Region:
		return strings.Compare(a.Region, b.Region)
	case a.Type != b.Type:
		return cmp.Compare(slices.Index(cloudscope.ResourceTypes, a.Type), slices.Index(cloudscope.ResourceTypes, b.Type))
	}
	return strings.Compare(a.ID, b.ID)
}

func created(r *cloudscope.Resource) int64 {
	if r.CreatedAt == nil {
		return 0
	}
	return r.CreatedAt.UnixNano()
}

// compareFold compares two strings as their lower case would, without
// building it (a sort over a million names compares twenty million times).
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}
