package snapstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// ResourceChunks calls fn with snapshot id's resources in regions (all
// when none), chunk by chunk in the stored order: one Query for all, or
// one per account and region asked, read only as far as fn wants, the
// chunks decoded ahead on every core.
func (s *Store) ResourceChunks(ctx context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	r, err := s.stored(ctx, w, id)
	if r == nil || err != nil {
		return err
	}
	if r.Sharded {
		err = s.partResources(ctx, w, r, regions, fn)
	} else {
		err = s.chunkResources(ctx, w, r, regions, fn)
	}
	if errors.Is(err, cloudscope.ErrStop) {
		return nil
	}
	return err
}

// ResourceChunksAfter is ResourceChunks from offset skip of the stored
// order of regions (all when none): the chunks before the one that holds
// it are not read (the header counts each chunk's resources), so page k
// reads only what it shows. A sharded snapshot's are read and dropped.
func (s *Store) ResourceChunksAfter(ctx context.Context, id string, regions []string, skip int, fn func([]cloudscope.Resource) error) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	r, err := s.stored(ctx, w, id)
	if r == nil || err != nil {
		return err
	}
	if r.Sharded || r.Groups == nil {
		return s.ResourceChunks(ctx, id, regions, func(rs []cloudscope.Resource) error {
			n := min(skip, len(rs))
			skip -= n
			if len(rs) == n {
				return nil
			}
			return fn(rs[n:])
		})
	}
	reads := s.reads(r, regions)
	groups := slices.Sorted(maps.Keys(r.Groups))
	var start []read
	for i, rd := range reads {
		for _, g := range groups {
			if !strings.HasPrefix(r.base()+g, rd.prefix) {
				continue
			}
			total := 0
			for _, n := range r.Groups[g] {
				total += n
			}
			if skip >= total {
				skip -= total
				continue
			}
			c := 0
			for skip >= r.Groups[g][c] {
				skip -= r.Groups[g][c]
				c++
			}
			rd.after = r.base() + g + "#"
			if c > 0 {
				rd.after = fmt.Sprintf("%s%s#%05d", r.base(), g, c-1)
			}
			start = append([]read{rd}, reads[i+1:]...)
			break
		}
		if start != nil {
			break
		}
	}
	if start == nil {
		return nil // past the end
	}
	first := true
	_, err = s.decodeAhead(ctx, snapPart(w, id), start, func(_ string, rs []cloudscope.Resource) error {
		if first {
			first = false
			rs = rs[min(skip, len(rs)):]
		}
		return fn(rs)
	})
	if errors.Is(err, cloudscope.ErrStop) {
		return nil
	}
	return err
}

// base is what the keys of the snapshot's resource chunks start with.
func (r *record) base() string { return "c#" + r.Attempt + "#r#" }

// read is one Query of chunks: those under prefix after after, at most
// limit of them (0: all).
type read struct {
	prefix, after string
	limit         int
}

// reads are the Queries of a snapshot's resource chunks in regions (all
// when none): one for all, or one per account and region.
func (s *Store) reads(r *record, regions []string) []read {
	if len(regions) == 0 {
		return []read{{prefix: r.base()}}
	}
	accounts := r.Accounts
	if len(accounts) == 0 {
		accounts = []string{""}
	}
	var out []read
	for _, a := range accounts {
		for _, region := range slices.Sorted(slices.Values(regions)) {
			out = append(out, read{prefix: r.base() + groupPrefix(a, region)})
		}
	}
	return out
}

// chunkResources reads a snapshot's own resource chunks.
func (s *Store) chunkResources(ctx context.Context, w string, r *record, regions []string, fn func([]cloudscope.Resource) error) error {
	n, err := s.decodeAhead(ctx, snapPart(w, r.Header.ID), s.reads(r, regions), func(_ string, rs []cloudscope.Resource) error { return fn(rs) })
	if err != nil {
		return err
	}
	if len(regions) == 0 && n != r.Chunks["resources"] {
		return fmt.Errorf("snapshot %s: %d of its %d resource chunks are stored", r.Header.ID, n, r.Chunks["resources"])
	}
	return nil
}

// decoded is one chunk's resources, or why not.
type decoded struct {
	key string
	rs  []cloudscope.Resource
	err error
}

// decodeAhead calls fn with the chunks of partition under each prefix in
// turn, in key order, decoding up to two per core ahead of fn; it answers
// how many chunks fn was given, and fn's error (cloudscope.ErrStop too).
func (s *Store) decodeAhead(ctx context.Context, partition string, reads []read, fn func(key string, rs []cloudscope.Resource) error) (int, error) {
	return s.decodeAheadWith(ctx, partition, reads, nil, decodeChunk, fn)
}

// decodeChunk reads a chunk of whole resources.
func decodeChunk(data []byte) ([]cloudscope.Resource, error) {
	var rs []cloudscope.Resource
	err := gzjson.Unmarshal(data, &rs)
	return rs, err
}

// decodeAheadWith is decodeAhead with the chunks' decoder, dropping
// undecoded the chunks not in wanted (nil: none).
func (s *Store) decodeAheadWith(ctx context.Context, partition string, reads []read, wanted map[string]bool, decode func([]byte) ([]cloudscope.Resource, error), fn func(key string, rs []cloudscope.Resource) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ahead := 2 * runtime.GOMAXPROCS(0)
	order := make(chan chan decoded, ahead)
	var readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		readErr = s.queryReads(ctx, partition, reads, func(it kv.Item) error {
			if wanted != nil && !wanted[it.Key.Sort] {
				return nil
			}
			res := make(chan decoded, 1)
			select {
			case order <- res:
			case <-ctx.Done():
				return ctx.Err()
			}
			go func(sort string, data []byte) {
				rs, err := decode(data)
				if err != nil {
					err = fmt.Errorf("chunk %s: %w", sort, err)
				}
				res <- decoded{sort, rs, err}
			}(it.Key.Sort, it.Value)
			return nil
		})
	}()
	n := 0
	var err error
	for res := range order {
		if err != nil {
			continue // drain
		}
		d := <-res
		if err = d.err; err == nil {
			n++
			err = fn(d.key, d.rs)
		}
		if err != nil {
			cancel()
		}
	}
	wg.Wait()
	if err != nil {
		return n, err
	}
	return n, readErr
}

// readsAhead is how many Queries of a read's runs go at once.
const readsAhead = 4

// queryReads calls each with the items of reads in turn, in key order.
// Reads of runs (each with a limit: a filtered read is many short
// Queries) run up to readsAhead at once, their items held until their
// turn; others one after the other, read only as far as each wants.
func (s *Store) queryReads(ctx context.Context, partition string, reads []read, each func(kv.Item) error) error {
	if slices.ContainsFunc(reads, func(rd read) bool { return rd.limit == 0 }) || len(reads) == 1 {
		for _, rd := range reads {
			if err := s.kv.Query(ctx, partition, rd.prefix, rd.after, rd.limit, each); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type fetched struct {
		items []kv.Item
		err   error
	}
	results := make([]chan fetched, len(reads))
	for i := range results {
		results[i] = make(chan fetched, 1)
	}
	slots := make(chan struct{}, readsAhead)
	go func() {
		for i, rd := range reads {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				var f fetched
				f.err = s.kv.Query(ctx, partition, rd.prefix, rd.after, rd.limit, func(it kv.Item) error { f.items = append(f.items, it); return nil })
				results[i] <- f
			}()
		}
	}()
	for i := range reads {
		var f fetched
		select {
		case f = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-slots // the next Query may start while these are given
		if f.err != nil {
			return f.err
		}
		for _, it := range f.items {
			if err := each(it); errors.Is(err, kv.ErrStop) {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}

// partRef is one accepted part of a sharded snapshot: its shard key,
// account, attempt and chunk count (the manifest).
type partRef struct {
	Key     string `json:"key"`
	Account string `json:"account"`
	Attempt string `json:"attempt"`
	Chunks  int    `json:"chunks"`
}

// groupPrefix is what the keys of an account's groups in a region start
// with (cloudscope.StoredGroup).
func groupPrefix(account, region string) string {
	if account == "" {
		return region + "#"
	}
	return account + "#" + region + "#"
}

// manifest reads a sharded snapshot's manifest.
func (s *Store) manifest(ctx context.Context, w string, r *record) ([]partRef, error) {
	key := w + "#" + r.Header.ID + "#" + r.Attempt
	if m, ok := s.manifests.Load(key); ok {
		return m.([]partRef), nil
	}
	var m []partRef
	if err := readChunks(ctx, s, snapPart(w, r.Header.ID), "c#"+r.Attempt+"#m#", r.Chunks["manifest"], &m); err != nil {
		return nil, fmt.Errorf("snapshot %s manifest: %w", r.Header.ID, err)
	}
	s.manifests.Store(key, m)
	return m, nil
}

// partResources calls fn with a sharded snapshot's resources in regions
// (all when none) in the stored order, one account at a time: an
// account's parts are merged (its global listing's resources are in every
// region), so a read holds one account's resources at most.
func (s *Store) partResources(ctx context.Context, w string, r *record, regions []string, fn func([]cloudscope.Resource) error) error {
	m, err := s.manifest(ctx, w, r)
	if err != nil {
		return err
	}
	m = slices.Clone(m)
	// Resources without an account sort last (cloudscope.CompareStored).
	slices.SortStableFunc(m, func(a, b partRef) int {
		return cmp.Or(cmp.Compare(btoi(a.Account == ""), btoi(b.Account == "")), cmp.Compare(a.Account, b.Account))
	})
	partition := kv.Scope(w, "parts#"+r.Header.ID)
	total := 0
	for len(m) > 0 {
		n := 1
		for n < len(m) && m[n].Account == m[0].Account {
			n++
		}
		var prefixes []read
		for _, p := range m[:n] {
			if len(regions) == 0 {
				prefixes = append(prefixes, read{prefix: "c#" + p.Attempt + "#"})
				continue
			}
			for _, region := range slices.Sorted(slices.Values(regions)) {
				prefixes = append(prefixes, read{prefix: "c#" + p.Attempt + "#" + groupPrefix(p.Account, region)})
			}
		}
		var rs []cloudscope.Resource
		got, err := s.decodeAhead(ctx, partition, prefixes, func(_ string, c []cloudscope.Resource) error { rs = append(rs, c...); return nil })
		if err != nil {
			return fmt.Errorf("snapshot %s parts: %w", r.Header.ID, err)
		}
		total += got
		if len(regions) == 0 {
			want := 0
			for _, p := range m[:n] {
				want += p.Chunks
			}
			if got != want {
				return fmt.Errorf("snapshot %s: %d of its %d resource chunks of account %s are stored", r.Header.ID, got, want, m[0].Account)
			}
		}
		m = m[n:]
		slices.SortFunc(rs, cloudscope.CompareStored)
		for len(rs) > 0 {
			k := min(ChunkRecords, len(rs))
			if err := fn(rs[:k]); err != nil {
				return err
			}
			rs = rs[k:]
		}
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Slim is the projection of a resource that filters and sorts read: id,
// name, state, tags, created, account, region and type.
func Slim(r cloudscope.Resource) cloudscope.Resource {
	return cloudscope.Resource{AccountID: r.AccountID, Type: r.Type, ID: r.ID, Name: r.Name, Region: r.Region, State: r.State, Tags: r.Tags, CreatedAt: r.CreatedAt}
}

// SlimChunks calls fn with the slim projection (Slim) of snapshot id's
// resources in regions (all when none), chunk by chunk in the stored order,
// each with its chunk's key for ChunkResources and ChunkResourcesAt. rs is reused once fn
// returns: copy what it keeps, and its strings share the chunk's memory
// (clone those kept long). ok is false, and fn not
// called, for a snapshot stored without them (sharded, or before them).
func (s *Store) SlimChunks(ctx context.Context, id string, regions []string, fn func(chunk string, rs []cloudscope.Resource) error) (ok bool, err error) {
	return s.SlimChunksWhere(ctx, id, regions, Where{}, fn)
}

// SlimChunksWhere is SlimChunks less the chunks that no resource of can
// match where (by the sets their header records): those are not read.
func (s *Store) SlimChunksWhere(ctx context.Context, id string, regions []string, where Where, fn func(chunk string, rs []cloudscope.Resource) error) (ok bool, err error) {
	w, err := s.identity(ctx)
	if err != nil {
		return false, err
	}
	r, err := s.stored(ctx, w, id)
	if r == nil || err != nil || !r.Slim {
		return false, err
	}
	var wanted map[string]bool
	var reads []read
	if r.Groups != nil {
		reads, wanted = r.slimPlan(regions, where)
	} else {
		reads = s.reads(r, regions)
		for i := range reads {
			reads[i].prefix = r.slimBase() + strings.TrimPrefix(reads[i].prefix, r.base())
		}
	}
	_, err = s.decodeAheadWith(ctx, snapPart(w, id), reads, wanted, decodeSlim, func(key string, rs []cloudscope.Resource) error {
		err := fn(r.base()+strings.TrimPrefix(key, r.slimBase()), rs)
		reuse(rs)
		return err
	})
	if errors.Is(err, cloudscope.ErrStop) {
		err = nil
	}
	return true, err
}

// slimBase is what the keys of the snapshot's slim chunks start with.
func (r *record) slimBase() string { return "c#" + r.Attempt + "#s#" }

// ChunkResources reads the named chunks of snapshot id whole (keys as
// SlimChunks gave them), each by its key.
func (s *Store) ChunkResources(ctx context.Context, id string, chunks []string) (map[string][]cloudscope.Resource, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]cloudscope.Resource, len(chunks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(chunks))
	for i, key := range chunks {
		wg.Go(func() {
			it, ok, err := s.kv.Get(ctx, kv.Key{Partition: snapPart(w, id), Sort: key})
			if err == nil && !ok {
				err = fmt.Errorf("snapshot %s: chunk %s is not stored", id, key)
			}
			var rs []cloudscope.Resource
			if err == nil {
				err = gzjson.Unmarshal(it.Value, &rs)
			}
			errs[i] = err
			mu.Lock()
			out[key] = rs
			mu.Unlock()
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// ChunkResourcesAt reads the resources at the given positions of the named
// chunks of snapshot id (keys as SlimChunks gave them; positions as in
// the slim chunk, the same resources in the same order): only those are
// decoded from each chunk's JSON, the rest skipped unread. The chunks are
// read by a few Queries of their runs in key order, at once, rather than
// one request each (a sorted page's resources are spread over many).
func (s *Store) ChunkResourcesAt(ctx context.Context, id string, want map[string][]int) (map[string]map[int]cloudscope.Resource, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.stored(ctx, w, id)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Groups == nil {
		return nil, fmt.Errorf("snapshot %s is not stored in chunks", id)
	}
	wanted := make(map[string]bool, len(want))
	for key := range want {
		wanted[key] = true
	}
	reads := runs(r.base(), r.chunkKeys(), wanted)
	out := make(map[string]map[int]cloudscope.Resource, len(want))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(reads))
	limit := make(chan struct{}, 8)
	for _, rd := range reads {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			err := s.kv.Query(ctx, snapPart(w, id), rd.prefix, rd.after, rd.limit, func(it kv.Item) error {
				at, ok := want[it.Key.Sort]
				if !ok {
					return nil
				}
				rs, err := inflate(it.Value, func(raw []byte) (map[int]cloudscope.Resource, error) { return decodeAt(raw, at) })
				if err != nil {
					return fmt.Errorf("chunk %s: %w", it.Key.Sort, err)
				}
				mu.Lock()
				out[it.Key.Sort] = rs
				mu.Unlock()
				return nil
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return nil, err
	}
	for key := range want {
		if _, ok := out[key]; !ok {
			return nil, fmt.Errorf("snapshot %s: chunk %s is not stored", id, key)
		}
	}
	return out, nil
}

// decodeAt decodes the elements at positions at of the JSON array raw,
// finding where each starts without decoding the others.
func decodeAt(raw []byte, at []int) (map[int]cloudscope.Resource, error) {
	want := map[int]bool{}
	last := -1
	for _, i := range at {
		want[i] = true
		last = max(last, i)
	}
	out := make(map[int]cloudscope.Resource, len(at))
	p := skipSpace(raw, 0)
	if p >= len(raw) || raw[p] != '[' {
		return nil, errors.New("not a JSON array")
	}
	p++
	for i := 0; i <= last; i++ {
		start := skipSpace(raw, p)
		end, err := valueEnd(raw, start)
		if err != nil {
			return nil, err
		}
		if want[i] {
			var r cloudscope.Resource
			if err := json.Unmarshal(raw[start:end], &r); err != nil {
				return nil, err
			}
			out[i] = r
		}
		p = skipSpace(raw, end)
		if p >= len(raw) || raw[p] != ',' {
			if i < last {
				return nil, fmt.Errorf("%d resources, not %d", i+1, last+1)
			}
			break
		}
		p++
	}
	return out, nil
}

func skipSpace(b []byte, p int) int {
	for p < len(b) && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t') {
		p++
	}
	return p
}

// valueEnd is where the JSON value starting at p ends (an object, an
// array, a string or a literal), skipping what strings hold.
func valueEnd(b []byte, p int) (int, error) {
	depth := 0
	for q := p; q < len(b); q++ {
		switch b[q] {
		case '"':
			for q++; q < len(b) && b[q] != '"'; q++ {
				if b[q] == '\\' {
					q++
				}
			}
			if q >= len(b) {
				return 0, errors.New("a JSON string cut short")
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return q, nil // the end of the array holding a literal
			}
		case ',':
			if depth == 0 {
				return q, nil
			}
		}
		if depth == 0 && (b[q] == '}' || b[q] == ']' || b[q] == '"') {
			return q + 1, nil
		}
	}
	return 0, errors.New("a JSON value cut short")
}
