package scan

import (
	"context"
	"fmt"

	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/memstore"
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

func (a selfAccount) Resolve(ctx context.Context) (*accounts.Resolved, error) {
	id := a.who.get(ctx)
	return &accounts.Resolved{Caller: id, Partition: "aws", Accounts: []accounts.Account{{ID: id, State: string(orgtypes.AccountStateActive)}}}, nil
}

func (selfAccount) Clients(context.Context, string) (*awsconf.Clients, error) { return nil, nil }

// Setting says the scan reads one account.
func (selfAccount) Setting() accounts.Setting { return accounts.Setting{Mode: accounts.ModeSelf} }

// oneAccount is the engine over the scanner's own capabilities and a plan
// of its one account (regions, when set, limit the plan to them): its
// parts are kept in the store when the store can keep them (it is a
// PartStore), and in memory otherwise, the snapshot then saved whole. The
// scanner's RegionsAtOnce bounds the shards run at once, SeriesAtOnce the
// resources a shard judges at once; a plan that cannot list the account's
// regions fails the scan at once (the discovery retries its own calls).
func (s *Scanner) oneAccount(regions []string) *Engine {
	parts, kept := s.d.Store.(PartStore)
	if !kept {
		parts = memstore.New()
	}
	e := NewEngine(EngineDeps{
		Accounts:  selfAccount{who: s.who},
		Discovery: func(*awsconf.Clients) Discoverer { return s.d.Discovery },
		Metrics:   func(*awsconf.Clients) Fetcher { return s.d.Metrics },
		Costs:     s.d.Costs,
		Parts:     parts,
		Scanner:   s,
		Now:       s.d.Now,
	}, EngineOptions{Concurrency: s.d.RegionsAtOnce, PerAccount: s.d.RegionsAtOnce, ChunkTargets: SeriesAtOnce,
		RetryPause: s.d.RetryPause, PlanAttempts: 1, Regions: discovery.RegionFilter{Only: regions}})
	e.whole = !kept
	return e
}

// oneAccount reports whether the engine's accounts are one account, the
// credentials' own (the setting self): its cost summary is then by
// service, as that account's bill reads, rather than by linked account.
func (e *Engine) oneAccount() bool {
	s, ok := e.d.Accounts.(interface{ Setting() accounts.Setting })
	return ok && s.Setting().Self()
}

// Live runs scan id in this process over parts kept in memory, and stores
// nothing: no lease, no status, no ledger, no notification. The snapshot
// holds its resources. It is the live view (GET /bottlenecks?source=live):
// "evaluate the account now, as a scan does".
func (e *Engine) Live(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	scratch := memstore.New()
	live := *e
	live.d.Parts, live.whole, live.writes = scratch, true, make(chan struct{}, e.opts.StoreWrites)
	in, err := live.inProcess(ctx, id, func(Progress) {}, false)
	if err != nil {
		return nil, err
	}
	snap, _, err := live.merge(ctx, id, in, false)
	if err != nil {
		return nil, err
	}
	if err := scratch.FinalizeParts(ctx, snap.SnapshotHeader, snap.Findings, snap.Insufficient); err != nil {
		return nil, fmt.Errorf("gather the live scan's parts: %w", err)
	}
	full, err := scratch.Get(ctx, id)
	if err != nil || full == nil {
		return nil, fmt.Errorf("read the live scan's resources: %v", err)
	}
	snap.Resources = full.Resources
	return snap, nil
}

// saveWhole stores snapshot s through the scan's Store whole, its
// resources read from the parts kept in memory (Engine.whole).
func (e *Engine) saveWhole(ctx context.Context, s *cloudscope.Snapshot) error {
	scratch, ok := e.d.Parts.(*memstore.Store)
	if !ok {
		return fmt.Errorf("scan: the parts of a scan saved whole are kept in memory")
	}
	if err := scratch.FinalizeParts(ctx, s.SnapshotHeader, s.Findings, s.Insufficient); err != nil {
		return fmt.Errorf("gather the scan's parts: %w", err)
	}
	full, err := scratch.Get(ctx, s.ID)
	if err != nil || full == nil {
		return fmt.Errorf("read the scan's resources: %v", err)
	}
	whole := *s
	whole.Resources = full.Resources
	if err := e.d.Scanner.d.Store.Save(ctx, &whole); err != nil {
		return err
	}
	s.Resources = full.Resources
	return nil
}
