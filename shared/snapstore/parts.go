package snapstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// head is a part's head item: its attempt, its resource chunks, and its
// summary (the part without its resources, gzipped) inline or, when too
// large for the item, in Pieces items "s#<attempt>#<n>".
type head struct {
	Attempt string `json:"attempt"`
	Account string `json:"account"`
	Chunks  int    `json:"chunks"`
	Summary []byte `json:"summary,omitempty"`
	Pieces  int    `json:"pieces,omitempty"`
}

// summaryInline is the most a summary may take inside its head.
const summaryInline = kv.MaxValueBytes * 3 / 4

func partsPartition(w, scanID string) string { return kv.Scope(w, "parts#"+scanID) }

// SavePart stores a shard's part: its chunks and summary pieces under a
// new attempt, then its head, which replaces a retried shard's earlier one
// whole (the earlier attempt's items go with the retention: a snapshot
// finalized over it still reads them).
func (s *Store) SavePart(ctx context.Context, p *cloudscope.ShardPart) error {
	if err := cloudscope.CheckPart(p); err != nil {
		return err
	}
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	partition, attempt := partsPartition(w, p.Shard.ScanID), newAttempt()
	expires := s.o.Now().Add(s.o.Retention)
	h := head{Attempt: attempt, Account: p.Shard.AccountID}
	var items []kv.Item
	for group, rs := range cloudscope.StoredGroups(p.Resources) {
		its, err := chunkItems(partition, "c#"+attempt+"#"+group, rs, expires)
		if err != nil {
			return fmt.Errorf("part %s: %w", p.Shard.Key(), err)
		}
		h.Chunks += len(its)
		items = append(items, its...)
	}
	summary := *p
	summary.Resources = nil
	sum, err := gzjson.Marshal(&summary)
	if err != nil {
		return err
	}
	if len(sum) <= summaryInline {
		h.Summary = sum
	} else {
		for i := 0; len(sum) > 0; i++ {
			n := min(len(sum), summaryInline)
			items = append(items, kv.Item{Key: kv.Key{Partition: partition, Sort: fmt.Sprintf("s#%s#%05d", attempt, i)}, Value: sum[:n], Expires: expires})
			sum = sum[n:]
			h.Pieces++
		}
	}
	if err := s.kv.PutBatch(ctx, items); err != nil {
		return err
	}
	hb, err := gzjson.Marshal(&h)
	if err != nil {
		return err
	}
	return s.kv.Put(ctx, kv.Item{Key: kv.Key{Partition: partition, Sort: "h#" + p.Shard.Key()}, Value: hb, Expires: expires}, kv.Always)
}

// heads reads scan id's part heads, in shard key order.
func (s *Store) heads(ctx context.Context, w, scanID string, fn func(key string, h *head) error) error {
	return s.kv.Query(ctx, partsPartition(w, scanID), "h#", "", 0, func(it kv.Item) error {
		var h head
		if err := gzjson.Unmarshal(it.Value, &h); err != nil {
			return fmt.Errorf("scan %s part %s: %w", scanID, it.Key.Sort, err)
		}
		return fn(strings.TrimPrefix(it.Key.Sort, "h#"), &h)
	})
}

// PartSummaries calls fn with each part of scan id, without its
// resources, in shard key order.
func (s *Store) PartSummaries(ctx context.Context, scanID string, fn func(cloudscope.ShardPart) error) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	return s.heads(ctx, w, scanID, func(key string, h *head) error {
		sum := h.Summary
		if h.Pieces > 0 {
			var pieces [][]byte
			if err := s.kv.Query(ctx, partsPartition(w, scanID), "s#"+h.Attempt+"#", "", 0, func(it kv.Item) error {
				pieces = append(pieces, it.Value)
				return nil
			}); err != nil {
				return err
			}
			if len(pieces) != h.Pieces {
				return fmt.Errorf("scan %s part %s: %d of its %d summary pieces are stored", scanID, key, len(pieces), h.Pieces)
			}
			sum = nil
			for _, p := range pieces {
				sum = append(sum, p...)
			}
		}
		var p cloudscope.ShardPart
		if err := gzjson.Unmarshal(sum, &p); err != nil {
			return fmt.Errorf("scan %s part %s: %w", scanID, key, err)
		}
		return fn(p)
	})
}

// FinalizeParts stores the sharded scan h over its parts as they are now
// (a manifest of their attempts, so that a part retried later changes
// nothing), with Save's semantics.
func (s *Store) FinalizeParts(ctx context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	if stored, err := s.record(ctx, w, h.ID, false); err != nil {
		return err
	} else if stored != nil && !stored.Header.Failed() {
		return s.exists(ctx, w, stored)
	}
	var m []partRef
	seen := map[string]bool{}
	var accounts []cloudscope.Resource
	if err := s.heads(ctx, w, h.ID, func(key string, hd *head) error {
		m = append(m, partRef{Key: key, Account: hd.Account, Attempt: hd.Attempt, Chunks: hd.Chunks})
		if hd.Chunks > 0 && !seen[hd.Account] {
			seen[hd.Account] = true
			accounts = append(accounts, cloudscope.Resource{AccountID: hd.Account})
		}
		return nil
	}); err != nil {
		return err
	}
	expires := h.FinishedAt.Add(s.o.Retention)
	part, attempt := snapPart(w, h.ID), newAttempt()
	rec := &record{Header: h, Attempt: attempt, Chunks: map[string]int{}, Accounts: accountsOf(accounts), Sharded: true}
	items, err := chunkItems(part, "c#"+attempt+"#m", m, expires)
	if err != nil {
		return fmt.Errorf("snapshot %s manifest: %w", h.ID, err)
	}
	rec.Chunks["manifest"] = len(items)
	for _, p := range m {
		rec.Chunks["resources"] += p.Chunks
	}
	more, err := s.findingItems(part, attempt, findings, insufficient, expires, rec)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", h.ID, err)
	}
	if err := s.kv.PutBatch(ctx, append(items, more...)); err != nil {
		return err
	}
	return s.commit(ctx, w, rec)
}
