// Package scanapp is the Lambda handlers of the scans (shared/scan does the
// work; the handlers carry the events and payloads): the three states of
// every scan on Step Functions, of one account or many: plan (the scan's
// shards, written to S3 for the Distributed Map to read), shard (one unit
// of work, run once per map item) and finalize (the snapshot, from every
// shard's stored part); and the digest function's weekly digest
// (digest.go). Each payload stays small whatever the organization's size:
// a state passes on at most 256 KiB, and a plan of 1,000 accounts by 17
// regions is 17,000 shards.
//
// The states are three functions (functions/plan, shard, finalize), not one
// main dispatching on the event: each state's role then holds only the
// actions its own code calls (only plan writes to the plan bucket and lists
// the organization, only finalize reads Cost Explorer and publishes), and
// each is sized and bounded for its own work.
package scanapp

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// States is a scan's work (scan.Engine), as the three states call it.
// Each handler takes only its own state's part, so that each function
// links only the engine's code of its own state.
type States interface {
	Planner
	ShardRunner
	Finalizer
}

// Planner is the plan state's work.
type Planner interface {
	// Plan lists scan scanID's shards (accounts by their enabled regions).
	Plan(ctx context.Context, scanID string) ([]cloudscope.Shard, error)
}

// ShardRunner is the shard state's work.
type ShardRunner interface {
	// RunShard reads one shard and stores its part; it returns the part's
	// few counts, never its resources.
	RunShard(ctx context.Context, s cloudscope.Shard) (*scan.ShardSummary, error)
	// LiveShard reads one shard and stores nothing: it returns the part,
	// without its resources (the live view's, run from the bottlenecks
	// function).
	// Regions, when set, are the live view's: the buckets' shard keeps
	// only the buckets of those.
	LiveShard(ctx context.Context, s cloudscope.Shard, regions []string) (*cloudscope.ShardPart, error)
}

// Finalizer is the finalize state's work.
type Finalizer interface {
	// Finalize makes scan scanID's snapshot of its stored parts.
	Finalize(ctx context.Context, scanID string) (*cloudscope.SnapshotHeader, error)
}

// ItemWriter writes one JSON document under key and says in which bucket
// (shared/s3items).
type ItemWriter interface {
	PutJSON(ctx context.Context, key string, v any) (bucket string, err error)
}

// Event is what the plan and finalize states get: {"scan_id": ...}. The
// state machine's input is that too, whether the daily schedule started it
// (the scheduled event's id) or POST /scans (the new scan's id, which is
// also the execution's name).
type Event struct {
	ScanID string `json:"scan_id"`
}

// PlanEvent is what the plan state gets: the scan's id and the map's two
// bounds, which the state machine's definition carries from the stack's
// settings (cloudscope:shardConcurrency, cloudscope:shardsPerAccount).
type PlanEvent struct {
	Event
	// MaxConcurrency is the most shards the map may run at once.
	MaxConcurrency int `json:"max_concurrency"`
	// PerAccount is the most shards of one account it should run at once.
	PerAccount int `json:"per_account"`
}

// Plan is what the plan state returns: where the map reads its items, and
// how many it runs at once (the map's MaxConcurrencyPath reads Concurrency).
type Plan struct {
	ScanID string `json:"scan_id"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Shards int    `json:"shards"`
	// Concurrency is scan.MapConcurrency: the most shards, up to
	// MaxConcurrency, for which no run of that many items in the plan's
	// order holds more than PerAccount of one account (accounts x
	// PerAccount when they have as many shards each), at least 1 (0 would
	// let the map run 10,000 at once). The map starts items in order, so
	// with shards of equal length no account has more than PerAccount
	// running at once; it is a bound by order, not a lock (an account whose
	// shards are slower than the rest gets more: README, the organization
	// benchmark).
	Concurrency int `json:"concurrency"`
}

// ShardRequest is what the shard function gets: a map item (one shard), or
// the same shard with live set, from the bottlenecks function's live view.
type ShardRequest struct {
	cloudscope.Shard
	// Live asks for the shard's part in the answer (MapResult.Part), and
	// that nothing be stored.
	Live bool `json:"live,omitempty"`
	// Regions, live only, are the regions the live view reads: the
	// buckets' shard keeps only the buckets of those.
	Regions []string `json:"regions,omitempty"`
	// Deadline, live only, is when the live view stops waiting: the shard
	// stops then too, rather than run on for its function's 15 minutes.
	Deadline time.Time `json:"deadline,omitzero"`
}

// MapResult is what one shard returns to the map: a few counts, never its
// resources, so that even 17,000 of them stay small. A live shard answers
// its part too, without its resources.
type MapResult struct {
	Shard     string                `json:"shard"`
	Resources int                   `json:"resources"`
	Findings  int                   `json:"findings"`
	Errors    int                   `json:"errors"`
	Part      *cloudscope.ShardPart `json:"part,omitempty"`
}

// Finalized is what the finalize state returns: the snapshot's id, outcome
// and counts.
type Finalized struct {
	ScanID    string `json:"scan_id"`
	Outcome   string `json:"outcome"`
	Resources int    `json:"resources"`
	Findings  int    `json:"findings"`
	Errors    int    `json:"errors"`
	// Accounts counts the accounts with resources in the snapshot.
	Accounts int `json:"accounts"`
}

// PlanKey is where the plan of scan id is written in the plan bucket.
func PlanKey(id string) string { return "plans/" + id + ".json" }

// PlanHandler is the plan function's handler: it asks the engine for the
// shards and writes them, as one JSON array, where the map's item reader
// reads them, and says how many the map runs at once (scan.MapConcurrency).
func PlanHandler(e Planner, items ItemWriter) func(ctx context.Context, ev PlanEvent) (*Plan, error) {
	return func(ctx context.Context, ev PlanEvent) (*Plan, error) {
		id, err := scanIDOf(ev.Event)
		if err != nil {
			return nil, err
		}
		if ev.MaxConcurrency < 1 || ev.PerAccount < 1 {
			return nil, fmt.Errorf("plan scan %s: the event's max_concurrency (%d) and per_account (%d) must be at least 1", id, ev.MaxConcurrency, ev.PerAccount)
		}
		shards, err := e.Plan(ctx, id)
		if err != nil {
			return nil, retryable(fmt.Errorf("plan scan %s: %w", id, err))
		}
		for i := range shards {
			switch s := &shards[i]; {
			case s.ScanID == "":
				s.ScanID = id
			case s.ScanID != id:
				return nil, fmt.Errorf("plan scan %s: shard %s belongs to scan %s", id, s.Key(), s.ScanID)
			}
		}
		if shards == nil {
			shards = []cloudscope.Shard{} // the item reader wants an array, even an empty one
		}
		key := PlanKey(id)
		bucket, err := items.PutJSON(ctx, key, shards)
		if err != nil {
			return nil, retryable(fmt.Errorf("write the plan of scan %s: %w", id, err))
		}
		return &Plan{ScanID: id, Bucket: bucket, Key: key, Shards: len(shards),
			Concurrency: scan.MapConcurrency(shards, ev.MaxConcurrency, ev.PerAccount)}, nil
	}
}

// ShardHandler is the shard function's handler: one map item, one shard,
// stored as the scan's part; or, asked live, one shard answered with its
// part and nothing stored.
func ShardHandler(e ShardRunner) func(ctx context.Context, req ShardRequest) (*MapResult, error) {
	return func(ctx context.Context, req ShardRequest) (*MapResult, error) {
		s := req.Shard
		if err := validShard(s); err != nil {
			return nil, err
		}
		if req.Live {
			for _, r := range req.Regions {
				if !cloudscope.ValidRegionName(r) {
					return nil, fmt.Errorf("the live shard %s names an invalid region %.32q", s.Key(), r)
				}
			}
			if !req.Deadline.IsZero() {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, req.Deadline)
				defer cancel()
			}
			part, err := e.LiveShard(ctx, s, req.Regions)
			if err != nil {
				return nil, retryable(fmt.Errorf("live shard %s: %w", s.Key(), err))
			}
			return &MapResult{Shard: s.Key(), Resources: part.Counts.Resources, Findings: len(part.Findings), Errors: len(part.Errors), Part: part}, nil
		}
		sum, err := e.RunShard(ctx, s)
		if err != nil {
			return nil, retryable(fmt.Errorf("shard %s of scan %s: %w", s.Key(), s.ScanID, err))
		}
		if sum == nil {
			return nil, fmt.Errorf("shard %s of scan %s: the engine returned no summary", s.Key(), s.ScanID)
		}
		return &MapResult{Shard: s.Key(), Resources: sum.Resources, Findings: sum.Findings, Errors: sum.Errors}, nil
	}
}

// FinalizeHandler is the finalize function's handler.
func FinalizeHandler(e Finalizer) func(ctx context.Context, ev Event) (*Finalized, error) {
	return func(ctx context.Context, ev Event) (*Finalized, error) {
		id, err := scanIDOf(ev)
		if err != nil {
			return nil, err
		}
		h, err := e.Finalize(ctx, id)
		if err != nil {
			return nil, retryable(fmt.Errorf("finalize scan %s: %w", id, err))
		}
		if h == nil {
			return nil, fmt.Errorf("finalize scan %s: the engine returned no snapshot", id)
		}
		return &Finalized{ScanID: h.ID, Outcome: h.Outcome, Resources: h.Counts.Resources, Findings: h.Counts.Findings,
			Errors: len(h.Errors), Accounts: len(h.Counts.ByAccount)}, nil
	}
}

func scanIDOf(ev Event) (string, error) {
	if !cloudscope.ValidScanID(ev.ScanID) {
		return "", fmt.Errorf("the event has no valid scan_id (%.64q): want {\"scan_id\": \"...\"}", ev.ScanID)
	}
	return ev.ScanID, nil
}

// validShard checks a map item before any work: a scan, a 12-digit account
// and a region.
func validShard(s cloudscope.Shard) error {
	switch {
	case !cloudscope.ValidScanID(s.ScanID):
		return fmt.Errorf("the map item has no valid scan_id (%.64q)", s.ScanID)
	case !accountID(s.AccountID):
		return fmt.Errorf("the map item's account_id %.64q is not a 12-digit account id", s.AccountID)
	case s.Region == "":
		return fmt.Errorf("the map item of account %s has no region", s.AccountID)
	}
	for _, t := range s.Types {
		if !t.Valid() {
			return fmt.Errorf("the map item of account %s names an unknown type %.32q", s.AccountID, t)
		}
	}
	return nil
}

func accountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RetryableErrorName is the Lambda error type of a failure that passes
// (throttled, unavailable, timed out, by AWS's or the store's answer): the
// state machine retries it with backoff, and only it among the handlers'
// own errors. Anything else (access denied, a bad item, a bug) would fail
// the same way again.
const RetryableErrorName = "Throttled"

// Throttled is a failure worth retrying a little later. The Lambda runtime
// names an error after its Go type, so Step Functions sees it as
// RetryableErrorName.
type Throttled struct{ Err error }

func (e *Throttled) Error() string { return e.Err.Error() }
func (e *Throttled) Unwrap() error { return e.Err }

// retryable marks err as Throttled when its code says it passes.
func retryable(err error) error {
	code := cloudscope.CodeOf(err)
	if code == cloudscope.CodeInternal {
		code = awserr.Classify(err)
	}
	if code.Transient() {
		return &Throttled{Err: err}
	}
	return err
}
