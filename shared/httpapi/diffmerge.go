package httpapi

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The diff by merge: two stored snapshots compared through their findings
// (read apart from the resources) and their resources' keys (read from the
// slim chunks), the records read whole only for the resources added and
// removed that the answer lists. The rules are cloudscope.CompareBy's, the
// same that compare two snapshots held whole.

// storedRef is a stored resource known by its key and where it is stored:
// its chunk and its place in it.
type storedRef struct {
	key   cloudscope.ResourceKey
	chunk string
	at    int
}

// fetchChunks is how many chunks one read of whole records asks for at
// most, so that a diff listing many resources holds few chunks at once
// beyond the records it keeps.
const fetchChunks = 16

// compareStored is the diff from base to head in accounts (all when none)
// by merge; ok is false when either is stored without slim chunks (a
// sharded scan, or one stored before them) or is not stored.
func compareStored(ctx context.Context, s SnapshotReads, baseID, headID string, accounts []string) (d *cloudscope.SnapshotDiff, ok bool, err error) {
	var base, head *cloudscope.Snapshot
	var baseRefs, headRefs []storedRef
	var baseSlim, headSlim bool
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if base, err = s.Findings(gctx, baseID); base == nil || err != nil {
			return err
		}
		baseRefs, baseSlim, err = storedRefs(gctx, s, baseID, accounts)
		return err
	})
	g.Go(func() (err error) {
		if head, err = s.Findings(gctx, headID); head == nil || err != nil {
			return err
		}
		headRefs, headSlim, err = storedRefs(gctx, s, headID, accounts)
		return err
	})
	if err := g.Wait(); err != nil || !baseSlim || !headSlim {
		return nil, false, err
	}
	diff, err := cloudscope.CompareBy(base.InAccounts(accounts), head.InAccounts(accounts), baseRefs, headRefs,
		func(r storedRef) cloudscope.ResourceKey { return r.key },
		func(added, removed []storedRef) (a, r []cloudscope.Resource, err error) {
			if a, err = storedRecords(ctx, s, headID, added); err != nil {
				return nil, nil, err
			}
			r, err = storedRecords(ctx, s, baseID, removed)
			return a, r, err
		})
	if err != nil {
		return nil, false, err
	}
	return &diff, true, nil
}

// storedRefs are snapshot id's resources in accounts (all when none), in
// the stored order, from its slim chunks; ok is false when it has none.
func storedRefs(ctx context.Context, s SnapshotReads, id string, accounts []string) (refs []storedRef, ok bool, err error) {
	ok, err = s.SlimChunks(ctx, id, nil, func(chunk string, rs []cloudscope.Resource) error {
		for i, r := range rs {
			if len(accounts) == 0 || slices.Contains(accounts, r.AccountID) {
				refs = append(refs, storedRef{key: cloudscope.KeyOf(r), chunk: chunk, at: i})
			}
		}
		return nil
	})
	return refs, ok, err
}

// storedRecords reads the whole records of refs (in the stored order, so
// each chunk's together) of snapshot id, a few chunks at a time, and
// answers them in the order a snapshot read whole has them
// (cloudscope.CompareResources, ties in the stored order).
func storedRecords(ctx context.Context, s SnapshotReads, id string, refs []storedRef) ([]cloudscope.Resource, error) {
	out := make([]cloudscope.Resource, 0, len(refs))
	for len(refs) > 0 {
		var chunks []string
		n := 0
		for n < len(refs) && (len(chunks) < fetchChunks || refs[n].chunk == chunks[len(chunks)-1]) {
			if len(chunks) == 0 || refs[n].chunk != chunks[len(chunks)-1] {
				chunks = append(chunks, refs[n].chunk)
			}
			n++
		}
		got, err := s.ChunkResources(ctx, id, chunks)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs[:n] {
			rs := got[ref.chunk]
			if ref.at >= len(rs) || cloudscope.KeyOf(rs[ref.at]) != ref.key {
				return nil, fmt.Errorf("snapshot %s: chunk %s does not hold %s/%s as its slim twin says", id, ref.chunk, ref.key.Type, ref.key.ID)
			}
			out = append(out, rs[ref.at])
		}
		refs = refs[n:]
	}
	slices.SortStableFunc(out, cloudscope.CompareResources)
	return out, nil
}
