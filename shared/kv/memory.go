package kv

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a Store in process memory (for `--state memory` and tests).
type Memory struct {
	mu    sync.RWMutex
	parts map[string]map[string]Item
	now   func() time.Time
}

// NewMemory returns an empty memory store reading now (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{parts: map[string]map[string]Item{}, now: now}
}

func clone(it Item) Item { it.Value = bytes.Clone(it.Value); return it }

// Get returns the unexpired item under k.
func (m *Memory) Get(_ context.Context, k Key) (Item, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	it, ok := m.parts[k.Partition][k.Sort]
	if !ok || !Live(it.Expires, m.now()) {
		return Item{}, false, nil
	}
	return clone(it), true, nil
}

// Put stores it under cond.
func (m *Memory) Put(_ context.Context, it Item, cond Cond) error {
	if len(it.Value) > MaxValueBytes {
		return ErrTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.parts[it.Key.Partition]
	if p == nil {
		p = map[string]Item{}
		m.parts[it.Key.Partition] = p
	}
	if old, ok := p[it.Key.Sort]; cond == IfAbsent && ok && Live(old.Expires, m.now()) {
		return ErrConditionFailed
	}
	p[it.Key.Sort] = clone(it)
	return nil
}

// Swap puts it while the live value under its key is old.
func (m *Memory) Swap(_ context.Context, it Item, old []byte) error {
	if len(it.Value) > MaxValueBytes {
		return ErrTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.parts[it.Key.Partition]
	if p == nil {
		p = map[string]Item{}
		m.parts[it.Key.Partition] = p
	}
	cur, ok := p[it.Key.Sort]
	ok = ok && Live(cur.Expires, m.now())
	if ok != (old != nil) || ok && !bytes.Equal(cur.Value, old) {
		return ErrConditionFailed
	}
	p[it.Key.Sort] = clone(it)
	return nil
}

// PutBatch stores items.
func (m *Memory) PutBatch(ctx context.Context, items []Item) error {
	for _, it := range items {
		if err := m.Put(ctx, it, Always); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the item under k.
func (m *Memory) Delete(_ context.Context, k Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.parts[k.Partition], k.Sort)
	return nil
}

// Query calls fn with the partition's items under prefix, in order.
func (m *Memory) Query(_ context.Context, partition, prefix, after string, limit int, fn func(Item) error) error {
	m.mu.RLock()
	now := m.now()
	var items []Item
	for s, it := range m.parts[partition] {
		if strings.HasPrefix(s, prefix) && s > after && Live(it.Expires, now) {
			items = append(items, clone(it))
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.Key.Sort, b.Key.Sort) })
	for i, it := range items {
		if limit > 0 && i == limit {
			break
		}
		if err := fn(it); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
	}
	return nil
}
