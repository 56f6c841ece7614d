package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/pagecursor"
)

// Page sizes: a page is at most MaxLimit resources (well under 1 MB of JSON).
const (
	DefaultLimit = 500
	MaxLimit     = 1000
)

// MaxOffset bounds how deep a cursor may page: past any inventory cloudscope
// is built for, and far from an overflow of offset+limit.
const MaxOffset = 100_000_000

// Sorts are the columns a list can be sorted by; "" is the stored order:
// region, type, id.
var Sorts = []string{"region", "type", "id", "name", "state", "created_at"}

// Sources of a read: the newest stored scan, or AWS now.
const (
	SourceLatest = "latest"
	SourceLive   = "live"
)

// Input is a list request as a caller gives it; NewQuery validates it.
type Input struct {
	// Accounts are 12-digit account ids.
	Accounts               []string
	Regions, Types, States []string
	// Tag is "key" (the tag is set) or "key=value".
	Tag    string
	Search string
	// Sort is a column of Sorts, "-column" for descending.
	Sort   string
	Limit  string
	Cursor string
	Source string
}

// Query is a validated list request.
type Query struct {
	Accounts []string
	Regions  []string
	Types    []cloudscope.ResourceType
	States   []string
	TagKey   string
	TagValue *string
	Search   string // lower case
	Sort     string
	Desc     bool
	Limit    int
	Source   string // "" (latest when a scan is stored, else live), latest or live
	cursor   *cursor
}

// cursor is where the next page starts: in one snapshot (or live answer),
// for one question, after offset matches.
type cursor struct {
	Snapshot string `json:"s"`
	Offset   int    `json:"o"`
	Question string `json:"q"`
}

// NewQuery validates in; an error names the parameter at fault.
func NewQuery(in Input) (Query, error) {
	var q Query
	var err error
	if q.Accounts, err = cloudscope.ParseAccountIDs("accounts", in.Accounts); err != nil {
		return Query{}, err
	}
	if q.Regions, err = cloudscope.List("regions", in.Regions, cloudscope.MaxListValues); err != nil {
		return Query{}, err
	}
	for _, r := range q.Regions {
		if err := cloudscope.CheckRegionName("regions", r); err != nil {
			return Query{}, err
		}
	}
	if q.Types, err = cloudscope.ParseResourceTypes("types", in.Types); err != nil {
		return Query{}, err
	}
	if q.States, err = cloudscope.List("states", in.States, cloudscope.MaxListValues); err != nil {
		return Query{}, err
	}
	for _, s := range q.States {
		if len(s) > 64 {
			return Query{}, cloudscope.Invalid("states", "%q is not a resource state", cloudscope.Clip(s))
		}
	}
	if tag := strings.TrimSpace(in.Tag); tag != "" {
		key, value, hasValue := strings.Cut(tag, "=")
		if key == "" || len(key) > 128 || len(value) > 256 {
			return Query{}, cloudscope.Invalid("tag", "%q: want key or key=value (a key of 1 to 128 characters)", cloudscope.Clip(tag))
		}
		q.TagKey = key
		if hasValue {
			q.TagValue = &value
		}
	}
	q.Search = strings.ToLower(strings.TrimSpace(in.Search))
	if len(q.Search) > 256 {
		return Query{}, cloudscope.Invalid("search", "at most 256 characters")
	}
	q.Sort, q.Desc = strings.CutPrefix(strings.TrimSpace(in.Sort), "-")
	if q.Sort != "" && !slices.Contains(Sorts, q.Sort) {
		return Query{}, cloudscope.Invalid("sort", "%q is not one of %s (with - before it for descending)", cloudscope.Clip(in.Sort), strings.Join(Sorts, ", "))
	}
	q.Limit = DefaultLimit
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		if err != nil || n < 1 || n > MaxLimit {
			return Query{}, cloudscope.Invalid("limit", "%q: want a whole number from 1 to %d", cloudscope.Clip(in.Limit), MaxLimit)
		}
		q.Limit = n
	}
	switch q.Source = in.Source; q.Source {
	case "", SourceLatest, SourceLive:
	default:
		return Query{}, cloudscope.Invalid("source", "%q is not latest or live", cloudscope.Clip(in.Source))
	}
	if in.Cursor != "" {
		c, err := pagecursor.Decode[cursor](in.Cursor)
		if err != nil || c.Question != q.question() || c.Offset < 0 || c.Offset > MaxOffset {
			return Query{}, cloudscope.Invalid("cursor", "not a cursor of this list: start again without one (a cursor goes with the filters and sort it was given for)")
		}
		q.cursor = c
	}
	return q, nil
}

// question identifies what is asked, less the page: a cursor is valid only
// for the question it was made for.
func (q Query) question() string {
	parts := []any{q.Regions, q.Types, q.States, q.TagKey, q.TagValue, q.Search, q.Sort, q.Desc, q.Source}
	if len(q.Accounts) > 0 { // only then: a cursor given before accounts existed still pages
		parts = append(parts, q.Accounts)
	}
	b, _ := json.Marshal(parts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// filtered reports whether the query narrows more than regions and types
// (which the stored layout answers directly).
func (q Query) filtered() bool {
	return len(q.Accounts) > 0 || len(q.States) > 0 || q.TagKey != "" || q.Search != ""
}

// Match reports whether r answers the query's filters.
func (q Query) Match(r *cloudscope.Resource) bool {
	if len(q.Accounts) > 0 && !slices.Contains(q.Accounts, r.AccountID) ||
		len(q.Regions) > 0 && !slices.Contains(q.Regions, r.Region) ||
		len(q.Types) > 0 && !slices.Contains(q.Types, r.Type) ||
		len(q.States) > 0 && !slices.Contains(q.States, r.State) {
		return false
	}
	if q.TagKey != "" {
		v, ok := r.Tags[q.TagKey]
		if !ok || q.TagValue != nil && v != *q.TagValue {
			return false
		}
	}
	if q.Search != "" {
		return search(r, q.Search)
	}
	return true
}

func search(r *cloudscope.Resource, s string) bool {
	if contains(r.ID, s) || contains(r.Name, s) {
		return true
	}
	for k, v := range r.Tags {
		if contains(k, s) || contains(v, s) {
			return true
		}
	}
	return false
}

// contains is a case-insensitive substring test against a lower-case
// needle: without building the lower case of an ASCII hay (a search
// across a million resources tests several million strings).
func contains(hay, lowerNeedle string) bool {
	if len(hay) < len(lowerNeedle) {
		return false
	}
	if lowerNeedle == "" {
		return true
	}
	for i := 0; i < len(hay); i++ {
		if hay[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(hay), lowerNeedle)
		}
	}
	first := lowerNeedle[0]
	for i := 0; i+len(lowerNeedle) <= len(hay); i++ {
		if lower(hay[i]) != first {
			continue
		}
		j := 1
		for j < len(lowerNeedle) && lower(hay[i+j]) == lowerNeedle[j] {
			j++
		}
		if j == len(lowerNeedle) {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
