package snapstore

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// A filter that no resource of a chunk can match never reads that chunk:
// the header records each chunk's states and tag keys (its account,
// region and type are in its key), so a read plans the runs of chunks
// that can hold a match and queries only those.

// chunkSets are a chunk's states and its tag keys, each a bit set over the
// snapshot's dictionary (record.States, record.TagKeys): bit i for the
// i-th, bit 63 for every one past the 63rd.
type chunkSets [2]uint64

const lastBit = 63

// dictionary is the distinct values of rs (by of each), the most frequent
// first, so that the common ones have a bit of their own.
func dictionary(rs []cloudscope.Resource, by func(*cloudscope.Resource, func(string))) []string {
	n := map[string]int{}
	for i := range rs {
		by(&rs[i], func(v string) { n[v]++ })
	}
	out := slices.Collect(maps.Keys(n))
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(n[b], n[a]), cmp.Compare(a, b)) })
	return out
}

func stateOf(r *cloudscope.Resource, f func(string)) { f(r.State) }

func tagKeysOf(r *cloudscope.Resource, f func(string)) {
	for k := range r.Tags {
		f(k)
	}
}

// bits is the bit set of values over dict; ok is false when none is in it.
func bits(dict []string, values ...string) (b uint64, ok bool) {
	for _, v := range values {
		if i := slices.Index(dict, v); i >= 0 {
			b |= 1 << min(i, lastBit)
			ok = true
		}
	}
	return b, ok
}

// setsOf are the sets of one chunk's resources.
func setsOf(rs []cloudscope.Resource, states, tagKeys []string) chunkSets {
	var s chunkSets
	for i := range rs {
		b, _ := bits(states, rs[i].State)
		s[0] |= b
		for k := range rs[i].Tags {
			b, _ := bits(tagKeys, k)
			s[1] |= b
		}
	}
	return s
}

// Where narrows a read of slim chunks to those that can hold a match: a
// resource of one of Accounts, Types and States (none: any of them), with
// the tag key TagKey ("": any). The resources read still need the filter:
// a chunk read holds at least one that may match, not only those.
type Where struct {
	Accounts []string
	Types    []cloudscope.ResourceType
	States   []string
	TagKey   string
}

// groupParts are a group key's account ("" when none), region and type.
func groupParts(g string) (account, region string, typ cloudscope.ResourceType) {
	f := strings.Split(g, "#")
	if len(f) == 3 {
		account, f = f[0], f[1:]
	}
	if len(f) != 2 {
		return account, "", ""
	}
	region = f[0]
	if i, err := strconv.Atoi(f[1]); err == nil && i >= 0 && i < len(cloudscope.ResourceTypes) {
		typ = cloudscope.ResourceTypes[i]
	}
	return account, region, typ
}

// maxGap is how many unwanted chunks between two wanted ones are read
// (and not decoded) rather than start another Query: a round trip costs
// more than a few slim chunks' bytes.
const maxGap = 4

// slimPlan is the Queries of the slim chunks in regions (all when none)
// that can hold a match of where, and the keys among what they read that
// can (the others are dropped undecoded).
func (r *record) slimPlan(regions []string, where Where) ([]read, map[string]bool) {
	var wantStates, wantKeys uint64
	if r.Sets != nil {
		var ok bool
		if len(where.States) > 0 {
			if wantStates, ok = bits(r.States, where.States...); !ok {
				return nil, nil // no resource has any of them
			}
		}
		if where.TagKey != "" {
			if wantKeys, ok = bits(r.TagKeys, where.TagKey); !ok {
				return nil, nil
			}
		}
	}
	type chunk struct {
		key  string
		want bool
	}
	var chunks []chunk
	for g, counts := range r.Groups {
		account, region, typ := groupParts(g)
		in := (len(regions) == 0 || slices.Contains(regions, region)) &&
			(len(where.Accounts) == 0 || slices.Contains(where.Accounts, account)) &&
			(len(where.Types) == 0 || slices.Contains(where.Types, typ))
		sets := r.Sets[g]
		for i := range counts {
			want := in
			if want && i < len(sets) {
				want = (wantStates == 0 || sets[i][0]&wantStates != 0) && (wantKeys == 0 || sets[i][1]&wantKeys != 0)
			}
			chunks = append(chunks, chunk{fmt.Sprintf("%s%s#%05d", r.slimBase(), g, i), want})
		}
	}
	slices.SortFunc(chunks, func(a, b chunk) int { return strings.Compare(a.key, b.key) })
	keys := make([]string, len(chunks))
	wanted := map[string]bool{}
	for i, c := range chunks {
		keys[i] = c.key
		if c.want {
			wanted[c.key] = true
		}
	}
	return runs(r.slimBase(), keys, wanted), wanted
}

// runs are the Queries under prefix that read the wanted of keys (every
// chunk key under it, sorted): one per run of wanted keys, a run going on
// over at most maxGap unwanted ones.
func runs(prefix string, keys []string, wanted map[string]bool) []read {
	var reads []read
	last := -1 // the last wanted key of the open read
	for i, key := range keys {
		if !wanted[key] {
			continue
		}
		if last >= 0 && i-last-1 <= maxGap {
			reads[len(reads)-1].limit += i - last
			last = i
			continue
		}
		rd := read{prefix: prefix, limit: 1}
		if i > 0 {
			rd.after = keys[i-1]
		}
		reads = append(reads, rd)
		last = i
	}
	return reads
}

// chunkKeys are the keys of a snapshot's resource chunks, sorted.
func (r *record) chunkKeys() []string {
	var keys []string
	for g, counts := range r.Groups {
		for i := range counts {
			keys = append(keys, fmt.Sprintf("%s%s#%05d", r.base(), g, i))
		}
	}
	slices.Sort(keys)
	return keys
}
