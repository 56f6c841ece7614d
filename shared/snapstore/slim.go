package snapstore

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// A slim chunk is its resources' projection (Slim) in a compact binary
// form, gzipped: a filter or a sort over a million resources decodes it
// with a handful of allocations per chunk rather than several per
// resource. Version 2 (what Save writes):
//
//	2, n, d, the d strings of the chunk's dictionary (account, type,
//	region, state, tag keys and values), t, the t tag sets (each a count
//	of pairs, then key and value as dictionary indexes), then per
//	resource: account, type, region and state as dictionary indexes, id
//	and name as strings, created (0, or 1 then Unix nanoseconds as a
//	varint) and its tag set's index plus one (0: no tags).
//
// A string is a uvarint length and its bytes; every number a uvarint
// unless said. Version 1 (written before) still reads: per resource
// account, type, id, name, region and state as strings, created as in 2,
// then a count of tags and their key and value as strings.

// slimVersion starts every slim chunk Save writes.
const slimVersion = 2

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// encodeSlim is rs's slim chunk.
func encodeSlim(rs []cloudscope.Resource) ([]byte, error) {
	dict := map[string]int{}
	var words []string
	word := func(s string) uint64 {
		i, ok := dict[s]
		if !ok {
			i = len(words)
			dict[s] = i
			words = append(words, s)
		}
		return uint64(i)
	}
	sets := map[string]int{}
	var setList [][]byte
	body := make([]byte, 0, 48*len(rs))
	for i := range rs {
		r := &rs[i]
		for _, s := range []string{r.AccountID, string(r.Type), r.Region, r.State} {
			body = binary.AppendUvarint(body, word(s))
		}
		body = appendString(appendString(body, r.ID), r.Name)
		if r.CreatedAt == nil {
			body = append(body, 0)
		} else {
			body = binary.AppendVarint(append(body, 1), r.CreatedAt.UnixNano())
		}
		set := 0
		if len(r.Tags) > 0 {
			b := binary.AppendUvarint(nil, uint64(len(r.Tags)))
			for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
				b = binary.AppendUvarint(binary.AppendUvarint(b, word(k)), word(r.Tags[k]))
			}
			at, ok := sets[string(b)]
			if !ok {
				at = len(setList)
				sets[string(b)] = at
				setList = append(setList, b)
			}
			set = at + 1
		}
		body = binary.AppendUvarint(body, uint64(set))
	}
	b := binary.AppendUvarint([]byte{slimVersion}, uint64(len(rs)))
	b = binary.AppendUvarint(b, uint64(len(words)))
	for _, w := range words {
		b = appendString(b, w)
	}
	b = binary.AppendUvarint(b, uint64(len(setList)))
	for _, set := range setList {
		b = append(b, set...)
	}
	return gzjson.Compress(append(b, body...))
}

var errSlim = errors.New("a slim chunk cut short")

// slimReader reads a slim chunk; its strings are cut from one string of
// the whole chunk (s), so reading one allocates nothing.
type slimReader struct {
	b      []byte
	s      string // b's bytes as a string, from where b starts
	err    error
	intern map[string]string
}

func (r *slimReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b, r.s = errSlim, nil, ""
		return 0
	}
	r.b, r.s = r.b[n:], r.s[n:]
	return v
}

// str is the next string, sharing the chunk's memory.
func (r *slimReader) str() string {
	n := r.uvarint()
	if uint64(len(r.b)) < n {
		r.err, r.b, r.s = errSlim, nil, ""
		return ""
	}
	s := r.s[:n]
	r.b, r.s = r.b[n:], r.s[n:]
	return s
}

// created reads a creation time into *t, answering whether there is one.
func (r *slimReader) created(t *time.Time) bool {
	if len(r.b) == 0 {
		r.err = errSlim
		return false
	}
	if r.b[0] == 0 {
		r.b, r.s = r.b[1:], r.s[1:]
		return false
	}
	v, k := binary.Varint(r.b[1:])
	if k <= 0 {
		r.err, r.b, r.s = errSlim, nil, ""
		return false
	}
	*t = time.Unix(0, v).UTC()
	r.b, r.s = r.b[1+k:], r.s[1+k:]
	return true
}

// shared is a string that many resources repeat (version 1), one copy per chunk.
func (r *slimReader) shared() string {
	s := r.str()
	if v, ok := r.intern[s]; ok {
		return v
	}
	r.intern[s] = s
	return s
}

// slimBuffers are the resource slices of slim chunks read, reused once
// read (a read of a million would otherwise allocate 200 MB of them).
var slimBuffers sync.Pool

// slimBuffer is n zero resources, reused when it can be.
func slimBuffer(n int) []cloudscope.Resource {
	if b, ok := slimBuffers.Get().(*[]cloudscope.Resource); ok && cap(*b) >= n {
		out := (*b)[:n]
		clear(out)
		return out
	}
	return make([]cloudscope.Resource, n, max(n, ChunkRecords))
}

// reuse gives rs back for another chunk to be read into.
func reuse(rs []cloudscope.Resource) { slimBuffers.Put(&rs) }

// gzipReaders are reused: a new one allocates tens of kilobytes.
var gzipReaders sync.Pool

// inflateBuffers hold a chunk's bytes while it is read.
var inflateBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// inflate calls fn with a gzipped chunk's bytes, which are reused once fn returns.
func inflate[T any](data []byte, fn func([]byte) (T, error)) (T, error) {
	var zero T
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(data))
	} else {
		err = zr.Reset(bytes.NewReader(data))
	}
	if err != nil {
		return zero, err
	}
	defer gzipReaders.Put(zr)
	buf := inflateBuffers.Get().(*bytes.Buffer)
	defer inflateBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(zr); err != nil {
		return zero, err
	}
	return fn(buf.Bytes())
}

// decodeSlim reads a slim chunk. Its resources' strings share the
// chunk's memory (clone one to keep it alone), and resources with the
// same tags share one map: read only.
func decodeSlim(data []byte) ([]cloudscope.Resource, error) {
	return inflate(data, decodeSlimBytes)
}

// decodeSlimBytes reads an inflated slim chunk (raw is not kept).
func decodeSlimBytes(raw []byte) ([]cloudscope.Resource, error) {
	if len(raw) == 0 || raw[0] != 1 && raw[0] != 2 {
		return nil, errors.New("not a slim chunk of a known version")
	}
	r := &slimReader{b: raw[1:], s: string(raw[1:])} // one copy: every string of the chunk is cut from it
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return nil, errSlim
	}
	if raw[0] == 1 {
		return r.version1(int(n))
	}
	words := make([]string, r.uvarint())
	if len(words) > len(r.b) {
		return nil, errSlim
	}
	for i := range words {
		words[i] = r.str()
	}
	word := func() string {
		i := r.uvarint()
		if i >= uint64(len(words)) {
			r.err = errSlim
			return ""
		}
		return words[i]
	}
	tags := make([]map[string]string, r.uvarint())
	if len(tags) > len(r.b) {
		return nil, errSlim
	}
	for i := range tags {
		pairs := r.uvarint()
		if pairs > uint64(len(r.b)) {
			return nil, errSlim
		}
		m := make(map[string]string, pairs)
		for range pairs {
			k := word()
			m[k] = word()
		}
		tags[i] = m
	}
	if r.err != nil {
		return nil, r.err
	}
	out := slimBuffer(int(n))
	times := make([]time.Time, n)
	for i := range out {
		x := &out[i]
		x.AccountID, x.Type, x.Region, x.State = word(), cloudscope.ResourceType(word()), word(), word()
		x.ID, x.Name = r.str(), r.str()
		if r.created(&times[i]) {
			x.CreatedAt = &times[i]
		}
		if set := r.uvarint(); set > 0 {
			if set > uint64(len(tags)) {
				return nil, errSlim
			}
			x.Tags = tags[set-1]
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	return out, nil
}

// version1 reads the resources of a slim chunk of version 1.
func (r *slimReader) version1(n int) ([]cloudscope.Resource, error) {
	r.intern = map[string]string{}
	out := slimBuffer(n)
	times := make([]time.Time, n)
	for i := range out {
		x := &out[i]
		x.AccountID, x.Type = r.shared(), cloudscope.ResourceType(r.shared())
		x.ID, x.Name = r.str(), r.str()
		x.Region, x.State = r.shared(), r.shared()
		if r.created(&times[i]) {
			x.CreatedAt = &times[i]
		}
		if tags := r.uvarint(); tags > 0 {
			if tags > uint64(len(r.b)) {
				return nil, errSlim
			}
			x.Tags = make(map[string]string, tags)
			for range tags {
				k := r.shared()
				x.Tags[k] = r.shared()
			}
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	return out, nil
}
