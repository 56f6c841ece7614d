package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/recent"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// SnapshotReads reads a stored snapshot in parts, so that the diff
// compares two scans without reading their resources whole (the snapshot
// stores satisfy it: snapstore.Store).
type SnapshotReads interface {
	// Header is snapshot id's header, or nil.
	Header(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error)
	// Findings is snapshot id without its resources, or nil.
	Findings(ctx context.Context, id string) (*cloudscope.Snapshot, error)
	// SlimChunks calls fn with the slim projection of the snapshot's
	// resources (id, type, region, account among them) chunk by chunk in
	// the stored order, each with its chunk's key; ok is false, and fn not
	// called, for a snapshot stored without them.
	SlimChunks(ctx context.Context, id string, regions []string, fn func(chunk string, rs []cloudscope.Resource) error) (ok bool, err error)
	// ChunkResources reads the named chunks whole.
	ChunkResources(ctx context.Context, id string, chunks []string) (map[string][]cloudscope.Resource, error)
}

// diffsKept is how many recent diffs are kept: snapshots never change
// once stored, so a diff of two of them is always the same answer. A diff
// listing more than keptResources resources is shared while it is being
// computed but not kept, so that what is kept stays a few megabytes.
const (
	diffsKept     = 8
	keptResources = 5000
)

// diffs shares the diff of two snapshots, as JSON: fifty viewers of one
// diff are one computation and one encoding, and recent answers are kept.
type diffs = recent.Answers[json.RawMessage]

// encodeDiff is d as the answer's JSON, and whether it is small enough to keep.
func encodeDiff(d *cloudscope.SnapshotDiff) (json.RawMessage, bool, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as writeJSON encodes
	if err := enc.Encode(d); err != nil {
		return nil, false, err
	}
	return json.RawMessage(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), len(d.ResourcesAdded)+len(d.ResourcesRemoved) <= keptResources, nil
}

// snapshotExists answers a not-found error unless snapshot id is stored,
// reading its header only when it can.
func (a *api) snapshotExists(r *http.Request, id string) error {
	if a.deps.Snapshots == nil {
		_, err := a.snapshot(r, id)
		return err
	}
	if err := scan.CheckID("id", id, "snapshot"); err != nil {
		return err
	}
	h, err := a.deps.Snapshots.Header(r.Context(), id)
	if err != nil {
		return err
	}
	if h == nil {
		return cloudscope.Errorf(cloudscope.CodeNotFound, "no snapshot %q", cloudscope.Clip(id))
	}
	return nil
}

func (a *api) diffSnapshots(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.RawQuery, diffParams)
	if err != nil {
		return err
	}
	if b := q.Get("base"); b != "" {
		if err := scan.CheckID("base", b, "snapshot"); err != nil {
			return err
		}
	}
	accounts, err := cloudscope.ParseAccountIDs("accounts", listParam(q, "accounts"))
	if err != nil {
		return err
	}
	headID := r.PathValue("id")
	if err := a.snapshotExists(r, headID); err != nil {
		return err
	}
	baseID := q.Get("base")
	if baseID == "" {
		prev, err := a.deps.Bottlenecks.Before(r.Context(), headID)
		if err != nil {
			return err
		}
		if prev == nil {
			return cloudscope.Invalid("base", "snapshot %s has no earlier snapshot to compare with: give base", cloudscope.Clip(headID))
		}
		baseID = prev.ID
	}
	if err := a.snapshotExists(r, baseID); err != nil {
		if cloudscope.CodeOf(err) == cloudscope.CodeNotFound {
			return cloudscope.Invalid("base", "no snapshot %q", cloudscope.Clip(baseID))
		}
		return err
	}
	accounts = slices.Compact(slices.Sorted(slices.Values(accounts)))
	// The computation is shared: a viewer who leaves does not end it for
	// the others waiting on it.
	d, err := a.diffs.Get(r.Context(), baseID+" "+headID+" "+strings.Join(accounts, ","), func(ctx context.Context) (json.RawMessage, bool, error) {
		diff, err := a.compare(ctx, baseID, headID, accounts)
		if err != nil {
			return nil, false, err
		}
		return encodeDiff(diff)
	})
	if err != nil {
		return err
	}
	return ok(w, d)
}

// compare is the diff from snapshot base to head in accounts (all when
// none): by merge over the stored parts when it can, else over both
// snapshots read whole.
func (a *api) compare(ctx context.Context, baseID, headID string, accounts []string) (*cloudscope.SnapshotDiff, error) {
	if a.deps.Snapshots != nil {
		d, ok, err := compareStored(ctx, a.deps.Snapshots, baseID, headID, accounts)
		if ok || err != nil {
			return d, err
		}
	}
	var whole [2]*cloudscope.Snapshot
	for i, id := range []string{baseID, headID} {
		s, err := a.deps.Bottlenecks.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if s == nil { // deleted since it was looked up
			return nil, cloudscope.Errorf(cloudscope.CodeNotFound, "no snapshot %q", cloudscope.Clip(id))
		}
		whole[i] = s.InAccounts(accounts)
	}
	d := cloudscope.CompareSnapshots(whole[0], whole[1])
	return &d, nil
}
