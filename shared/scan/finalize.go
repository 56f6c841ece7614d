package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/ledger"
)

// Finalize makes scan id's snapshot from its stored parts: their counts,
// findings, undecided rules, errors and calls merged (one part at a time,
// never their resources), the last 30 days of spend (by linked account:
// one grouped Cost Explorer query from the management account, every page,
// through the cost cache; by service for one account, the setting self),
// the outcome, and then the header stored and indexed (FinalizeParts) with
// what is new or worse than in the latest snapshot marked pending, and one
// notification.
//
// The outcome: failed only when nothing could be read anywhere (no listing
// succeeded in any part, or no metrics read in any), partial when anything
// failed (a denied member, a region, a service), complete otherwise. The
// skipped accounts (not ACTIVE) are listed in the errors with code
// "skipped" and count against nothing.
//
// A finalize that stored the snapshot (or found it stored) ends the scan's
// lease and records its end in the status; one that failed before leaves
// both for its retry.
func (e *Engine) Finalize(ctx context.Context, scanID string) (*cloudscope.SnapshotHeader, error) {
	res, err := e.finalize(ctx, scanID, nil, nil)
	if res != nil && e.d.Scanner != nil {
		_ = e.d.Scanner.release(ctx, scanID, "finalize", err)
	}
	if res == nil {
		return nil, err
	}
	return &res.Snapshot.SnapshotHeader, err
}

// finalize merges scan id's parts (merge) and concludes the scan: its
// snapshot stored (over its parts, or whole: Engine.whole), the ledger, the
// anomalies, the notification. in is what a scan run in this process
// brings (nil on Step Functions).
func (e *Engine) finalize(ctx context.Context, scanID string, t *tracker, in *local) (*Result, error) {
	snap, anomalyReport, err := e.merge(ctx, scanID, in, true)
	if err != nil {
		return nil, err
	}
	save := func(ctx context.Context, s *cloudscope.Snapshot) error {
		return e.d.Parts.FinalizeParts(ctx, s.SnapshotHeader, s.Findings, s.Insufficient)
	}
	if e.scratch != nil {
		save = e.saveWhole
	}
	return e.d.Scanner.conclude(ctx, t, snap, save, anomalyReport, ledger.AccountsOf(snap))
}

// merge makes scan id's snapshot, without its resources, from its stored
// parts: their counts, findings, undecided rules, errors and calls, and
// the cost summary: a one-account scan's by service (read beside the
// shards when in brings it; with the anomaly query when stored), an
// organization's by linked account. It returns the anomaly query's
// answer too (nil: not asked). concluding says the snapshot is to be stored.
func (e *Engine) merge(ctx context.Context, scanID string, in *local, concluding bool) (*cloudscope.Snapshot, *costquery.Report, error) {
	ctx = accountset.ForScan(ctx, scanID) // the cost role's session, from a delegated administrator, says which scan read
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: scanID, Calls: map[string]int{}, Notification: cloudscope.NotifyNone,
		Errors: []cloudscope.Failure{}}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	c := &snap.Counts
	c.ByType, c.BySeverity, c.ByRegion, c.ByState, c.TagKeys, c.ByGroup = map[cloudscope.ResourceType]int{}, map[cloudscope.Severity]int{},
		map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	regions := map[string]bool{}
	stored := map[string]bool{} // the keys of the parts stored
	var planned []string
	parts := 0
	all := &merged{snap: snap}
	err := e.d.Parts.PartSummaries(ctx, scanID, func(p cloudscope.ShardPart) error {
		parts++
		stored[p.Shard.Key()] = true
		planned = append(planned, p.Planned...)
		if snap.StartedAt.IsZero() || p.StartedAt.Before(snap.StartedAt) {
			snap.StartedAt = p.StartedAt
		}
		if p.Shard.Region != cloudscope.Global {
			regions[p.Shard.Region] = true
		}
		all.add(&p)
		mergeCounts(c, p)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the parts of scan %s: %w", scanID, err)
	}
	if parts == 0 {
		return nil, nil, fmt.Errorf("scan %s has no stored parts: plan it first", scanID)
	}
	snap.Errors = append(snap.Errors, notRead(planned, stored)...)
	snap.Regions = slices.Sorted(maps.Keys(regions))
	var anomalyReport *costquery.Report
	if in != nil {
		for k, v := range in.calls {
			snap.Calls[k] += v
		}
	}
	switch {
	case e.oneAccount():
		var c costResult
		if in != nil && in.costs != nil {
			c = in.costs()
		} else {
			c = e.d.Scanner.costsOf(ctx, concluding && e.d.Scanner.d.Store != nil)
		}
		if c.asked {
			snap.Costs, snap.Calls["ce:GetCostAndUsage"] = c.summary, c.requests
			snap.Errors = append(snap.Errors, c.errors...)
			anomalyReport = c.anomalyReport
		}
	case e.d.Costs != nil:
		if q, ok := e.anomalyQuery(); ok {
			// One 8-week query by linked account and service serves both
			// the anomalies and the 30-day summary by account.
			snap.Costs, anomalyReport, snap.Calls["ce:GetCostAndUsage"] = e.costsOfWeeks(ctx, snap, q)
		} else {
			snap.Costs, snap.Calls["ce:GetCostAndUsage"] = e.costSummary(ctx, snap)
		}
	}
	c.Findings = len(snap.Findings)
	savings := cloudscope.SumSavings(snap.Findings)
	c.Savings = &savings
	cloudscope.SortFindings(snap.Findings)
	slices.SortFunc(snap.Errors, func(a, b cloudscope.Failure) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Message, b.Message))
	})
	all.finish()
	snap.FinishedAt = e.d.Now().UTC()
	return snap, anomalyReport, nil
}

// CodeNotRead is the Failure code of a shard the plan made that stored no
// part (it failed past its retries, or the map gave up on it): its account's
// region (or buckets) were meant to be read and were not.
const CodeNotRead = "not_read"

// notRead names each planned shard that stored no part.
func notRead(planned []string, stored map[string]bool) []cloudscope.Failure {
	var out []cloudscope.Failure
	for _, key := range planned {
		if stored[key] {
			continue
		}
		account, rest, _ := strings.Cut(key, "#")
		region, types, _ := strings.Cut(rest, "#")
		what := "the region"
		if types != "" {
			what = "its " + strings.ReplaceAll(types, "+", ", ") + " in the region"
		}
		out = append(out, cloudscope.Failure{AccountID: account, Region: region, Service: "shard", Code: CodeNotRead,
			Message: "the shard stored no part (it failed past its retries): " + what + " was not read"})
	}
	return out
}

// mergeCounts adds a part's counts to c; an account read without
// resources is counted with none.
func mergeCounts(c *cloudscope.SnapshotCounts, p cloudscope.ShardPart) {
	pc := p.Counts
	c.Resources += pc.Resources
	add(c.ByType, pc.ByType)
	add(c.BySeverity, pc.BySeverity)
	add(c.ByRegion, pc.ByRegion)
	add(c.ByState, pc.ByState)
	add(c.TagKeys, pc.TagKeys)
	add(c.ByGroup, pc.ByGroup)
	if pc.ByAccount != nil || (p.Shard.AccountID != "" && p.Listed > 0) {
		if c.ByAccount == nil {
			c.ByAccount = map[string]int{}
		}
		add(c.ByAccount, pc.ByAccount)
		if p.Shard.AccountID != "" && p.Listed > 0 {
			c.ByAccount[p.Shard.AccountID] += 0
		}
	}
}

func add[K comparable](to, from map[K]int) {
	for k, v := range from {
		to[k] += v
	}
}

// costSummary is the last 30 days by linked account, through the cost
// cache: one grouped query, every page (none billed when warm).
func (e *Engine) costSummary(ctx context.Context, snap *cloudscope.Snapshot) (*cloudscope.CostSummary, int) {
	q, err := costquery.NewQuery(costquery.QueryInput{GroupBy: "LINKED_ACCOUNT"}, e.d.Now())
	if err != nil {
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "ce", err))
		return nil, 0
	}
	rep, err := e.d.Costs.Report(ctx, q)
	if err != nil {
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "ce", err))
		return nil, 0
	}
	if rep.CacheError != "" {
		snap.Errors = append(snap.Errors, cloudscope.Failure{Region: cloudscope.Global, Service: "dynamodb", Code: string(cloudscope.CodeUpstream),
			Message: "the cost cache failed; Cost Explorer was asked directly"})
	}
	top := rep.Groups
	if len(top) > 10 {
		top = top[:10]
	}
	return &cloudscope.CostSummary{Start: rep.Start, End: rep.End, Currency: rep.Currency, Total: rep.Total, Top: top}, rep.Requests
}

func (e *Engine) anomalyQuery() (costquery.Query, bool) {
	if e.d.Scanner == nil {
		return costquery.Query{}, false
	}
	return e.d.Scanner.AnomalyQuery()
}

// costsOfWeeks reads the anomalies' 8-week query (daily, by linked
// account and service; every page, through the cost cache) and sums the
// summary's last 30 whole days by linked account from it: the one Cost
// Explorer query of the finalize.
func (e *Engine) costsOfWeeks(ctx context.Context, snap *cloudscope.Snapshot, q costquery.Query) (*cloudscope.CostSummary, *costquery.Report, int) {
	rep, err := e.d.Costs.Report(ctx, q)
	if err != nil {
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "ce", err))
		var billed *costquery.BilledError
		if errors.As(err, &billed) {
			return nil, nil, billed.Requests
		}
		return nil, nil, 0
	}
	// A cache that cannot keep this answer is no failure of the scan: its
	// window moves every day, so the daily scan asks it afresh anyway, and
	// an organization's 8 weeks by account and service can outgrow one
	// cached item.
	// The summary's window: the default query's (the last 30 whole days).
	sq, err := costquery.NewQuery(costquery.QueryInput{GroupBy: "LINKED_ACCOUNT"}, e.d.Now())
	if err != nil {
		return nil, rep, rep.Requests
	}
	sum := &cloudscope.CostSummary{Start: sq.Start, End: sq.End, Currency: rep.Currency}
	byAccount := map[string]cloudscope.Amount{}
	for _, p := range rep.Periods {
		if p.Start < sq.Start || p.Start >= sq.End {
			continue
		}
		for k, amt := range p.Groups {
			account, _, _ := strings.Cut(k, ", ")
			byAccount[account] = byAccount[account].Add(amt)
			sum.Total = sum.Total.Add(amt)
		}
	}
	for k, v := range byAccount {
		sum.Top = append(sum.Top, cloudscope.GroupTotal{Key: k, Amount: v, Share: v.Ratio(sum.Total)})
	}
	slices.SortFunc(sum.Top, func(a, b cloudscope.GroupTotal) int { return cmp.Or(b.Amount.Cmp(a.Amount), cmp.Compare(a.Key, b.Key)) })
	if len(sum.Top) > 10 {
		sum.Top = sum.Top[:10]
	}
	if sum.Top == nil {
		sum.Top = []cloudscope.GroupTotal{}
	}
	return sum, rep, rep.Requests
}
