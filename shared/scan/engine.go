// Every scan, of one account or of many, runs as shards: the plan (every
// account the setting selects x its enabled regions), the shard (one
// account's one region, or its buckets: assume the member role, discover,
// read metrics, judge, store the part), and the finalize (costs once from
// the management account by linked account, the merged counts, outcome and
// errors, the snapshot's header and index, one notification). The shard
// Lambda and the local worker pool (Scan) run the very same RunShard.
//
// Memory is bounded per shard, not per account: a shard holds its
// account-region's resources, and reads and judges their metrics
// ChunkTargets resources at a time, dropping each chunk's series before
// the next; EngineOptions.SplitTypes splits an account-region further by type.
// S3 buckets are global: one shard per account (Types [s3], filed under
// the account's home region) lists them once and files each bucket under
// its own region; the regional shards never list them.

package scan

import (
	"context"
	"errors"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

// PartStore keeps the parts of a scan until it is finalized.
type PartStore interface {
	// SavePart stores one shard's part (resources in cloudscope.CompareStored order, chunked like Save's; its
	// findings, undecided, errors, calls, counts). Saving the same shard (same Shard.Key()) again, a retried
	// shard, replaces its earlier part wholly: a reader never sees a mix of two attempts.
	SavePart(ctx context.Context, p *cloudscope.ShardPart) error
	// PartSummaries calls fn with each stored part of scan id, without its Resources, in Shard.Key() order.
	PartSummaries(ctx context.Context, scanID string, fn func(cloudscope.ShardPart) error) error
	// FinalizeParts stores the header of a scan with its findings and undecided rules, and indexes it,
	// with Save's semantics (once per id, cloudscope.ErrSnapshotExists after; a failed scan is kept for Get but
	// never Latest/List/Before). After it, the snapshot reads like any other: Get, Latest, LatestHeader, Header,
	// List, Before, and the inventory's stored reads (ResourceChunks in stored order, filtered by region/type),
	// over the resources of all its parts.
	FinalizeParts(ctx context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error
	// ShardDone counts one finished shard into scan id's status (ScanStatus.Shards: done or failed),
	// atomically across processes (DynamoDB: an UpdateItem ADD). SetShardTotal sets Shards.Total (the plan).
	SetShardTotal(ctx context.Context, scanID string, total int) error
	ShardDone(ctx context.Context, scanID string, failed bool) error
}

// Accounts resolves the accounts setting and hands out each account's
// clients (shared/accounts.Members).
type Accounts interface {
	Resolve(ctx context.Context) (*accountset.Resolved, error)
	Clients(ctx context.Context, id string) (*awsconf.Clients, error)
}

// Discoverer lists an account's resources and its enabled regions.
type Discoverer interface {
	Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error)
	Regions(ctx context.Context) ([]cloudscope.Region, error)
}

// RegionLister lists an account's enabled regions (shared/regions.List).
type RegionLister interface {
	Regions(ctx context.Context) ([]cloudscope.Region, error)
}

// RegionsOnly is the Discoverer of a process that plans a scan and lists
// no resources itself (the plan state; the bottlenecks function, whose live
// view's shards run on the shard function): its regions are lister's, and
// Discover refuses.
func RegionsOnly(lister RegionLister) Discoverer { return regionsOnly{lister} }

type regionsOnly struct{ RegionLister }

func (regionsOnly) Discover(context.Context, resourcequery.Query) (*resourcequery.Inventory, error) {
	return nil, errors.New("this process plans and lists no resources: its shards discover")
}

// EngineDeps are what the engine uses.
type EngineDeps struct {
	Accounts Accounts
	// Discovery and Metrics build the capabilities over one account's clients.
	Discovery func(*awsconf.Clients) Discoverer
	Metrics   func(*awsconf.Clients) Fetcher
	// Costs reads Cost Explorer from the management account, through the cost cache.
	Costs interface {
		Report(ctx context.Context, q costquery.Query) (*costquery.Report, error)
	}
	Parts PartStore
	// Scanner gives the scan its rules (its thresholds and prices), lease,
	// status, store-once and notification (its Store and Notifier).
	Scanner *Scanner
	Now     func() time.Time
	// HomeRegion is the region of the account's global listings (the S3
	// shard is filed under it when the account has it enabled).
	HomeRegion string
	// Shards, when set, runs each shard of a scan run in this process
	// elsewhere (RunShard's default: here); the engine stores the part it
	// answers. Deployed, it is the live view's: the shard function runs
	// each region (Engine.LiveShard there).
	Shards ShardRunner
}

// ShardRunner runs shard sh elsewhere and answers its part without its
// resources (Engine.LiveShard, in the process that runs it). Regions, when
// set, are the scan's scope (a live view of some regions): the buckets'
// shard keeps only the buckets of those. Its error is the shard's as
// RunShard's is: the shard is to be run again.
type ShardRunner func(ctx context.Context, sh cloudscope.Shard, regions []string) (*cloudscope.ShardPart, error)

// EngineOptions tune the engine. The zero value gives the defaults.
type EngineOptions struct {
	// Concurrency bounds the shards the local pool runs at once (default 8;
	// CLOUDSCOPE_SHARD_CONCURRENCY). Deployed, the state machine's
	// MaxConcurrency bounds them instead.
	Concurrency int
	// PerAccount bounds the shards of one account running at once (default
	// 4): rate limits are per account, and one large account must not
	// hold every worker while the others wait.
	PerAccount int
	// StoreWrites bounds the parts being stored at once (default 4): every
	// shard writes to the same table.
	StoreWrites int
	// ChunkTargets is how many resources' metrics a shard reads and judges
	// at once (default 1,000) before dropping their series.
	ChunkTargets int
	// SplitTypes, when set, splits each account-region into one shard per
	// group of types (types in no group get a shard of their own); S3 is
	// always its own per-account shard.
	SplitTypes [][]cloudscope.ResourceType
	// RetryPause is the wait before a chunk of metrics that failed for a
	// passing reason is read once more (default 2s).
	RetryPause time.Duration
	// PlanConcurrency bounds the accounts whose regions are listed at once
	// while planning (default 16).
	PlanConcurrency int
	// PlanAttempts is how many times the plan tries to reach an account and
	// list its regions when that fails for a passing reason (default 4,
	// pausing RetryPause, then twice as long each time).
	PlanAttempts int
	// Regions limits the regions read of each account (default: every
	// enabled region); the S3 shard's discovery must keep the buckets of
	// the same regions (resourcequery.Options.Regions).
	Regions resourcequery.RegionFilter
}

func (o EngineOptions) withDefaults() EngineOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.PerAccount <= 0 {
		o.PerAccount = 4
	}
	if o.StoreWrites <= 0 {
		o.StoreWrites = 4
	}
	if o.ChunkTargets <= 0 {
		o.ChunkTargets = 1000
	}
	if o.RetryPause <= 0 {
		o.RetryPause = 2 * time.Second
	}
	if o.PlanConcurrency <= 0 {
		o.PlanConcurrency = 16
	}
	if o.PlanAttempts <= 0 {
		o.PlanAttempts = 4
	}
	return o
}

// Engine plans, runs and finalizes scans, of one account (the setting
// self: a plan of its regions) or of many. It is safe for
// concurrent use; build one per process.
type Engine struct {
	d      EngineDeps
	opts   EngineOptions
	writes chan struct{}
	caps   *capabilities
	// scratch, when set, keeps the parts in memory (it is Parts), and the
	// snapshot is saved whole through the Scanner's Store (oneAccount over
	// a store that keeps no parts), not finalized over the parts.
	scratch *memParts
	// series, when set, bounds the resources whose series the shards of
	// this process hold at once (oneAccount: SeriesAtOnce).
	series *seriesBudget
	// scope, when set, are the regions a one-account scan is limited to
	// (oneAccount), which a shard run elsewhere is told.
	scope []string
}

// New returns an Engine.
func NewEngine(d EngineDeps, opts EngineOptions) *Engine {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HomeRegion == "" {
		d.HomeRegion = awsconf.DefaultRegion
	}
	opts = opts.withDefaults()
	return &Engine{d: d, opts: opts, writes: make(chan struct{}, opts.StoreWrites), caps: &capabilities{}}
}

// ShardSummary is what a shard reports back (to the state machine's map, and
// the local pool): small, whatever the shard's size.
type ShardSummary struct {
	Key       string         `json:"key"`
	Resources int            `json:"resources"`
	Findings  int            `json:"findings"`
	Errors    int            `json:"errors"`
	Failed    bool           `json:"failed"`
	Calls     map[string]int `json:"aws_calls"`
}
