package scan

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

const ledgerAccount = "123456789012"

// failingRegion is an account whose NAT gateways could not be listed in
// us-east-1 this time.
type failingRegion struct{ *account }

func (a failingRegion) Discover(_ context.Context, q discovery.Query) (*discovery.Inventory, error) {
	listed := slices.DeleteFunc(slices.Clone(a.resources), func(r cloudscope.Resource) bool { return r.Type == cloudscope.NATGateway })
	return &discovery.Inventory{Regions: []string{"us-east-1"}, Resources: listed, Calls: 4, Listed: 6,
		Errors: []cloudscope.Failure{{Region: "us-east-1", Service: "ec2", Code: string(cloudscope.CodeUpstream), Message: "DescribeNatGateways: throttled"}}}, nil
}

// The test, end to end through stored scans: an unassociated
// Elastic IP released between two scans is realized in the ledger; a scan
// that could not read its region resolves nothing; the address back, its
// finding reopens and no longer counts as saved.
func TestScansRecordTheLedger(t *testing.T) {
	ctx := context.Background()
	acct := &account{resources: wasteful(1)}
	eip := slices.IndexFunc(acct.resources, func(r cloudscope.Resource) bool { return r.Type == cloudscope.Address })
	address := acct.resources[eip]
	prices := pricing.New(awsstub.Clients(pricelist.Handler()).Pricing(), memstore.NewPriceCache(nil))
	records := kv.NewMemory(nil)
	l := ledger.New(records)
	store := memstore.New()
	newScanner := func(d interface {
		Discover(context.Context, discovery.Query) (*discovery.Inventory, error)
	}) *Scanner {
		return New(Deps{Discovery: d, Metrics: &natMonth{account: acct, windows: map[cloudscope.ResourceType]metrics.Window{}}, Costs: acct, Store: store,
			Thresholds: bottleneck.Defaults, Now: ticking(now), Prices: prices, Ledger: l,
			Account: func(context.Context) (string, error) { return ledgerAccount, nil }})
	}
	saved := func() *ledger.Answer {
		t.Helper()
		a, err := l.Answer(ctx, ledgerAccount, ledger.Query{Months: 12, Limit: 100}, now.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	s := newScanner(acct)
	r1, err := s.Run(ctx, "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	open := saved()
	if open.Open.Findings == 0 || !open.Realized.Monthly.IsZero() || open.Open.Monthly.Cmp(r1.Snapshot.Counts.Savings.Monthly) != 0 {
		t.Fatalf("after the first scan: open %s (%d), realized %s; the snapshot's potential %s", open.Open.Monthly, open.Open.Findings,
			open.Realized.Monthly, r1.Snapshot.Counts.Savings.Monthly)
	}

	// The address is released.
	acct.resources = slices.Delete(slices.Clone(acct.resources), eip, eip+1)
	if _, err := newScanner(acct).Run(ctx, "scan-2", nil); err != nil {
		t.Fatal(err)
	}
	a := saved()
	if a.Realized.Monthly.String() != "3.65" || a.Realized.Findings != 1 || a.Realized.ByRule[bottleneck.EIPUnassociated].String() != "3.65" ||
		a.Realized.ByAccount[ledgerAccount].String() != "3.65" {
		t.Fatalf("after the release: realized %s (%d) %v", a.Realized.Monthly, a.Realized.Findings, a.Realized.ByRule)
	}
	var entry *ledger.Entry
	for i, e := range a.Entries {
		if e.State == ledger.Resolved {
			entry = &a.Entries[i]
		}
	}
	if entry == nil || entry.ResourceID != address.ID || entry.ResolvedScan != "scan-2" || entry.LastSeen.Before(entry.FirstSeen) || entry.ResolvedAt == nil {
		t.Fatalf("resolved entry: %+v", entry)
	}
	if a.Open.Monthly.Add(a.Realized.Monthly).Cmp(open.Open.Monthly) != 0 {
		t.Errorf("open %s + realized %s is not the first scan's %s", a.Open.Monthly, a.Realized.Monthly, open.Open.Monthly)
	}

	// A scan that could not list the region's NAT gateways does not take
	// the idle gateway's finding for resolved.
	r3, err := newScanner(failingRegion{acct}).Run(ctx, "scan-3", nil)
	if err != nil || slices.ContainsFunc(r3.Snapshot.Findings, func(f cloudscope.Finding) bool { return f.Rule == bottleneck.NATIdle }) {
		t.Fatalf("scan-3: %v", err)
	}
	if b := saved(); b.Realized.Findings != 1 || b.Open.Monthly.Cmp(a.Open.Monthly) != 0 {
		t.Errorf("after a failed read: realized %d, open %s (was %s)", b.Realized.Findings, b.Open.Monthly, a.Open.Monthly)
	}

	// The address is back: its finding reopens.
	acct.resources = append(acct.resources, address)
	if _, err := newScanner(acct).Run(ctx, "scan-4", nil); err != nil {
		t.Fatal(err)
	}
	b := saved()
	if !b.Realized.Monthly.IsZero() || b.Realized.Findings != 0 || b.Open.Monthly.Cmp(open.Open.Monthly) != 0 {
		t.Errorf("after it came back: realized %s, open %s (want %s)", b.Realized.Monthly, b.Open.Monthly, open.Open.Monthly)
	}
	reopened := false
	for _, e := range b.Entries {
		reopened = reopened || (e.ResourceID == address.ID && e.State == ledger.Open && e.Reopens == 1)
	}
	if !reopened {
		t.Errorf("no reopened entry: %+v", b.Entries)
	}
}

// brokenRecords fails every write.
type brokenRecords struct{ kv.Store }

func (brokenRecords) PutBatch(context.Context, []kv.Item) error {
	return errors.New("table unavailable")
}

// A ledger that cannot be written is one of the snapshot's errors; the
// scan is stored and succeeds.
func TestALedgerFailureIsNotAFailedScan(t *testing.T) {
	acct := &account{resources: wasteful(1)}
	prices := pricing.New(awsstub.Clients(pricelist.Handler()).Pricing(), memstore.NewPriceCache(nil))
	s := New(Deps{Discovery: acct, Metrics: &natMonth{account: acct, windows: map[cloudscope.ResourceType]metrics.Window{}}, Costs: acct, Store: memstore.New(),
		Thresholds: bottleneck.Defaults, Now: ticking(now), Prices: prices, Ledger: ledger.New(brokenRecords{kv.NewMemory(nil)})})
	r, err := s.Run(context.Background(), "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.Snapshot.Errors, func(f cloudscope.Failure) bool { return f.Service == ledger.FailureService }) {
		t.Errorf("the ledger's failure is not among the snapshot's errors: %+v", r.Snapshot.Errors)
	}
}
