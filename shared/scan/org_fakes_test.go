package scan

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
)

// partStore is a PartStore over memstore for the engine's tests: parts in
// memory, and FinalizeParts saving the whole snapshot (the resources of
// every part, in the stored order) with memstore's Save.
type partStore struct {
	*memstore.Store
	mu     sync.Mutex
	parts  map[string]map[string]cloudscope.ShardPart // scan -> shard key -> part
	total  int
	done   int
	failed int
	saves  int
}

func newPartStore() *partStore {
	return &partStore{Store: memstore.New(), parts: map[string]map[string]cloudscope.ShardPart{}}
}

func (s *partStore) SavePart(_ context.Context, p *cloudscope.ShardPart) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts[p.Shard.ScanID] == nil {
		s.parts[p.Shard.ScanID] = map[string]cloudscope.ShardPart{}
	}
	c := *p
	c.Resources = slices.Clone(p.Resources)
	s.parts[p.Shard.ScanID][p.Shard.Key()] = c
	s.saves++
	return nil
}

func (s *partStore) PartSummaries(_ context.Context, scanID string, fn func(cloudscope.ShardPart) error) error {
	s.mu.Lock()
	parts := s.parts[scanID]
	keys := slices.Sorted(maps.Keys(parts))
	s.mu.Unlock()
	for _, k := range keys {
		p := parts[k]
		p.Resources = nil
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s *partStore) FinalizeParts(ctx context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error {
	s.mu.Lock()
	var rs []cloudscope.Resource
	for _, p := range s.parts[h.ID] {
		rs = append(rs, p.Resources...)
	}
	s.mu.Unlock()
	slices.SortFunc(rs, func(a, b cloudscope.Resource) int {
		if a.AccountID != b.AccountID {
			return compareStrings(a.AccountID, b.AccountID)
		}
		return cloudscope.CompareStored(a, b)
	})
	return s.Save(ctx, &cloudscope.Snapshot{SnapshotHeader: h, Resources: rs, Findings: findings, Insufficient: insufficient})
}

func (s *partStore) SetShardTotal(ctx context.Context, scanID string, total int) error {
	s.mu.Lock()
	s.total = total
	s.mu.Unlock()
	return s.Store.SetShardTotal(ctx, scanID, total) // the counters the scan's status reports
}

func (s *partStore) ShardDone(ctx context.Context, scanID string, failed bool) error {
	s.mu.Lock()
	if failed {
		s.failed++
	} else {
		s.done++
	}
	s.mu.Unlock()
	return s.Store.ShardDone(ctx, scanID, failed)
}
