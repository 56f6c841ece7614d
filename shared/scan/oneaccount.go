package scan

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

// A one-account scan is a plan of one account: the accounts setting self
// (accounts.Members resolves it to the credentials' account), or, for a
// Scanner's own capabilities (Run, Evaluate), selfAccount below. Either
// way its regions are shards, and the finalize merges their parts as it
// merges an organization's; only the cost summary differs (by service,
// read beside the plan when the scan runs in one process).

// selfAccount is the accounts of a scan over a Scanner's own discovery and
// metrics: the one account they read, whose id is the scanner's identity
// (Deps.Account; "" when unknown), reached without clients of its own.
type selfAccount struct{ who *identity }

func (a selfAccount) Resolve(ctx context.Context) (*accountset.Resolved, error) {
	id := a.who.get(ctx)
	return &accountset.Resolved{Caller: id, Partition: "aws", Accounts: []accountset.Account{{ID: id, State: accounts.ActiveState}}}, nil
}

func (selfAccount) Clients(context.Context, string) (*awsconf.Clients, error) { return nil, nil }

// Setting says the scan reads one account.
func (selfAccount) Setting() accountset.Setting { return accountset.Setting{Mode: accountset.ModeSelf} }

// oneAccount is the engine over the scanner's own capabilities and a plan
// of its one account (regions, when set, are the scan's scope: the plan
// reads those of them the account has enabled, and names no other): its
// parts are kept in the store when the store can keep them (it is a
// PartStore), and in memory otherwise, the snapshot then saved whole. The
// scanner's RegionsAtOnce bounds the shards run at once, SeriesAtOnce the
// resources whose series they hold at once, together; a plan that cannot list the account's
// regions fails the scan at once (the discovery retries its own calls).
func (s *Scanner) oneAccount(regions []string) *Engine {
	var scratch *memParts
	parts, kept := s.d.Store.(PartStore)
	if !kept {
		scratch = &memParts{}
		parts = scratch
	}
	var disc Discoverer = s.d.Discovery
	if len(regions) > 0 {
		disc = scoped{Discoverer: disc, regions: regions}
	}
	e := NewEngine(EngineDeps{
		Accounts:  selfAccount{who: s.who},
		Discovery: func(*awsconf.Clients) Discoverer { return disc },
		Metrics:   func(*awsconf.Clients) Fetcher { return s.d.Metrics },
		Costs:     s.d.Costs,
		Parts:     parts,
		Scanner:   s,
		Now:       s.d.Now,
		Shards:    s.d.Shards,
	}, EngineOptions{
		// RegionsAtOnce regions' shards, and the buckets' shard beside them.
		Concurrency: s.d.RegionsAtOnce + 1, PerAccount: s.d.RegionsAtOnce, ChunkTargets: SeriesAtOnce,
		RetryPause: s.d.RetryPause, PlanAttempts: 1})
	if s.d.Shards != nil {
		// Each shard runs in a process of its own, and each region's APIs
		// are that region's: every region at once (a live view must answer
		// within the API's 30 seconds).
		e.opts.Concurrency, e.opts.PerAccount = shardsElsewhere, shardsElsewhere
	}
	e.scratch, e.series, e.scope = scratch, newSeriesBudget(SeriesAtOnce), regions
	return e
}

// shardsElsewhere bounds the shards of one account run at once elsewhere
// (Deps.Shards): more than AWS has regions.
const shardsElsewhere = 64

// oneAccount reports whether the engine's accounts are one account, the
// credentials' own (the setting self): its cost summary is then by
// service, as that account's bill reads, rather than by linked account.
func (e *Engine) oneAccount() bool {
	s, ok := e.d.Accounts.(interface{ Setting() accountset.Setting })
	return ok && s.Setting().Self()
}

// Live runs scan id in this process over parts kept in memory, and stores
// nothing: no lease, no status, no ledger, no notification. The snapshot
// holds its resources. It is the live view (GET /bottlenecks?source=live):
// "evaluate the account now, as a scan does".
func (e *Engine) Live(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	scratch := &memParts{}
	live := *e
	live.d.Parts, live.scratch, live.writes = scratch, scratch, make(chan struct{}, e.opts.StoreWrites)
	in, err := live.inProcess(ctx, id, func(Progress) {}, false)
	if err != nil {
		return nil, err
	}
	snap, _, err := live.merge(ctx, id, in, false)
	if err != nil {
		return nil, err
	}
	snap.Resources = scratch.resources()
	return snap, nil
}

// saveWhole stores snapshot s through the scan's Store whole, its
// resources gathered from the parts kept in memory (Engine.scratch).
func (e *Engine) saveWhole(ctx context.Context, s *cloudscope.Snapshot) error {
	whole := *s
	whole.Resources = e.scratch.resources()
	if err := e.d.Scanner.d.Store.Save(ctx, &whole); err != nil {
		return err
	}
	s.Resources = whole.Resources
	return nil
}

// memParts keeps one scan's parts in process memory (a PartStore): a
// retried shard's part replaces its earlier one; the shard tally and the
// finalize keep nothing (the scan's status and snapshot are its caller's).
type memParts struct {
	mu    sync.Mutex
	parts map[string]*cloudscope.ShardPart
}

func (m *memParts) SavePart(_ context.Context, p *cloudscope.ShardPart) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parts == nil {
		m.parts = map[string]*cloudscope.ShardPart{}
	}
	m.parts[p.Shard.Key()] = p
	return nil
}

func (m *memParts) PartSummaries(_ context.Context, _ string, fn func(cloudscope.ShardPart) error) error {
	m.mu.Lock()
	keys := slices.Sorted(maps.Keys(m.parts))
	m.mu.Unlock()
	for _, k := range keys {
		m.mu.Lock()
		p := *m.parts[k]
		m.mu.Unlock()
		p.Resources = nil
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (*memParts) FinalizeParts(context.Context, cloudscope.SnapshotHeader, []cloudscope.Finding, []cloudscope.Insufficient) error {
	return nil
}
func (*memParts) SetShardTotal(context.Context, string, int) error { return nil }
func (*memParts) ShardDone(context.Context, string, bool) error    { return nil }

// resources are every part's resources, in stored order.
func (m *memParts) resources() []cloudscope.Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []cloudscope.Resource{}
	for _, p := range m.parts {
		out = append(out, p.Resources...)
	}
	slices.SortFunc(out, cloudscope.CompareStored)
	return out
}

// scoped is a discoverer whose account is the regions named: its enabled
// regions among them, and its buckets in them.
type scoped struct {
	Discoverer
	regions []string
}

func (d scoped) Regions(ctx context.Context) ([]cloudscope.Region, error) {
	all, err := d.Discoverer.Regions(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r cloudscope.Region) bool { return !slices.Contains(d.regions, r.Name) }), nil
}

func (d scoped) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	if len(q.Regions) == 0 {
		q.Regions = d.regions
	}
	return d.Discoverer.Discover(ctx, q)
}
