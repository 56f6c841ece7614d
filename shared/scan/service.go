package scan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Service is what the bottleneck and snapshot routes use: the stored
// snapshots, a live evaluation, and a way to start a scan without waiting.
type Service struct {
	Scanner *Scanner
	Store   Store
	// Start begins the scan id in the background: the engine's local pool
	// in a goroutine (Engine.InBackground), or the state machine when
	// deployed.
	Start func(ctx context.Context, id string) error
}

// LatestFindings is the newest snapshot without its resources (its header,
// findings and undecided rules), or nil.
func (s *Service) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	return s.Store.LatestFindings(ctx)
}

// Get is snapshot id, or nil.
func (s *Service) Get(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	return s.Store.Get(ctx, id)
}

// List is up to limit snapshot headers, newest first.
func (s *Service) List(ctx context.Context, limit int) ([]cloudscope.SnapshotHeader, error) {
	return s.Store.List(ctx, limit)
}

// Before is the snapshot stored just before id, or nil.
func (s *Service) Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	return s.Store.Before(ctx, id)
}

// Live evaluates the account now, storing nothing: the engine over a plan
// of the one account, its parts in memory (Scanner.Evaluate).
func (s *Service) Live(ctx context.Context, regions []string) (*cloudscope.Snapshot, error) {
	return s.Scanner.Evaluate(ctx, "live", regions)
}

// StartScan begins a scan and returns its id at once; its status says
// "queued" until the scan itself begins (deployed, in another function).
// While a scan runs, it starts nothing and answers the running scan's id.
func (s *Service) StartScan(ctx context.Context) (cloudscope.ScanStarted, error) {
	now := s.Scanner.d.Now().UTC()
	id := NewID("manual", now)
	holder, err := s.Store.AcquireScanLease(ctx, id, LeaseDuration)
	if err != nil {
		return cloudscope.ScanStarted{}, err
	}
	if holder != "" {
		return cloudscope.ScanStarted{ID: holder, AlreadyRunning: true}, nil
	}
	queued := cloudscope.ScanStatus{ID: id, State: cloudscope.StateQueued, StartedAt: now, UpdatedAt: now}
	if err := s.Store.SetStatus(ctx, queued); err != nil {
		_ = s.Store.ReleaseScanLease(context.WithoutCancel(ctx), id)
		return cloudscope.ScanStarted{}, err
	}
	if err := s.Start(ctx, id); err != nil {
		queued.State, queued.Error, queued.UpdatedAt = cloudscope.StateFailed, "the scan could not be started", s.Scanner.d.Now().UTC()
		_ = s.Store.SetStatus(context.WithoutCancel(ctx), queued)
		_ = s.Store.ReleaseScanLease(context.WithoutCancel(ctx), id)
		return cloudscope.ScanStarted{}, err
	}
	return cloudscope.ScanStarted{ID: id}, nil
}

// Status is how scan id is going, or nil when it is unknown or too old.
func (s *Service) Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error) {
	return s.Store.Status(ctx, id)
}

// NewID is a scan id: a kind, the time, and random bits.
func NewID(kind string, t time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return kind + "-" + t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
