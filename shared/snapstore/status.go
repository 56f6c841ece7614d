package snapstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// swapTries bounds the read-modify-write rounds of one change that others
// keep changing under it (each round lost is another's change made).
const swapTries = 100

// change reads the item under k, lets edit change its value (nil: none
// there) and swaps it in, again while others change it between.
func (s *Store) change(ctx context.Context, k kv.Key, expires time.Time, edit func(old []byte) ([]byte, error)) error {
	for range swapTries {
		it, ok, err := s.kv.Get(ctx, k)
		if err != nil {
			return err
		}
		var old []byte
		if ok {
			old = it.Value
		}
		v, err := edit(old)
		if err != nil {
			return err
		}
		err = s.kv.Swap(ctx, kv.Item{Key: k, Value: v, Expires: expires}, old)
		if !errors.Is(err, kv.ErrConditionFailed) {
			return err
		}
	}
	return fmt.Errorf("%s %s kept changing: not changed", k.Partition, k.Sort)
}

func scanPart(w, id string) string { return kv.Scope(w, "scan#"+id) }

// SetStatus stores a scan's status for cloudscope.StatusRetention (its
// shard counters are an item of their own: SetShardTotal, ShardDone).
func (s *Store) SetStatus(ctx context.Context, st cloudscope.ScanStatus) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	st.Shards = nil
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.kv.Put(ctx, kv.Item{Key: kv.Key{Partition: scanPart(w, st.ID), Sort: "status"}, Value: b,
		Expires: s.o.Now().Add(cloudscope.StatusRetention)}, kv.Always)
}

// Status reads scan id's status and its shard counters, or nil.
func (s *Store) Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	it, ok, err := s.kv.Get(ctx, kv.Key{Partition: scanPart(w, id), Sort: "status"})
	if err != nil || !ok {
		return nil, err
	}
	var st cloudscope.ScanStatus
	if err := json.Unmarshal(it.Value, &st); err != nil {
		return nil, fmt.Errorf("scan %s status: %w", id, err)
	}
	st.Shards = nil
	sh, ok, err := s.kv.Get(ctx, kv.Key{Partition: scanPart(w, id), Sort: "shards"})
	if err != nil {
		return nil, err
	}
	if ok {
		st.Shards = &cloudscope.ShardProgress{}
		if err := json.Unmarshal(sh.Value, st.Shards); err != nil {
			return nil, fmt.Errorf("scan %s shards: %w", id, err)
		}
	}
	return &st, nil
}

// shards changes scan id's shard counters, atomically across processes.
func (s *Store) shards(ctx context.Context, scanID string, edit func(*cloudscope.ShardProgress)) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	return s.change(ctx, kv.Key{Partition: scanPart(w, scanID), Sort: "shards"}, s.o.Now().Add(cloudscope.StatusRetention), func(old []byte) ([]byte, error) {
		var p cloudscope.ShardProgress
		if old != nil {
			if err := json.Unmarshal(old, &p); err != nil {
				return nil, err
			}
		}
		edit(&p)
		return json.Marshal(p)
	})
}

// SetShardTotal sets scan id's planned shards.
func (s *Store) SetShardTotal(ctx context.Context, scanID string, total int) error {
	return s.shards(ctx, scanID, func(p *cloudscope.ShardProgress) { p.Total = total })
}

// ShardDone counts one finished shard of scan id, done or failed.
func (s *Store) ShardDone(ctx context.Context, scanID string, failed bool) error {
	return s.shards(ctx, scanID, func(p *cloudscope.ShardProgress) {
		if failed {
			p.Failed++
		} else {
			p.Done++
		}
	})
}

func leaseKey(w string) kv.Key { return kv.Key{Partition: kv.Scope(w, "lease"), Sort: "scan"} }

// AcquireScanLease makes id the running scan for ttl, unless another scan
// holds an unexpired lease: then it answers that scan's id. The lease is
// an item expiring with it, swapped in over none (or an expired one) or
// over id's own.
func (s *Store) AcquireScanLease(ctx context.Context, id string, ttl time.Duration) (string, error) {
	w, err := s.identity(ctx)
	if err != nil {
		return "", err
	}
	holder := ""
	err = s.change(ctx, leaseKey(w), s.o.Now().Add(ttl), func(old []byte) ([]byte, error) {
		if old != nil && string(old) != id {
			holder = string(old)
			return nil, errHeld
		}
		return []byte(id), nil
	})
	if errors.Is(err, errHeld) {
		return holder, nil
	}
	return "", err
}

var errHeld = errors.New("the lease is held")

// ReleaseScanLease ends id's lease, if id holds it (swapped for an
// expired one).
func (s *Store) ReleaseScanLease(ctx context.Context, id string) error {
	w, err := s.identity(ctx)
	if err != nil {
		return err
	}
	err = s.change(ctx, leaseKey(w), time.Unix(1, 0), func(old []byte) ([]byte, error) {
		if string(old) != id {
			return nil, errHeld
		}
		return []byte("-"), nil
	})
	if errors.Is(err, errHeld) {
		return nil
	}
	return err
}
