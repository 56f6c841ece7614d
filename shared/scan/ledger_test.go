package scan

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/notify"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
	"github.com/cloudscope/cloudscope/shared/testkit/schematest"
)

const ledgerAccount = "123456789012"

// failingRegion is an account whose NAT gateways could not be listed in
// us-east-1 this time.
type failingRegion struct{ *account }

func (a failingRegion) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	if !regional(q) {
		return a.account.Discover(ctx, q)
	}
	inv, _ := a.account.Discover(ctx, q)
	listed := slices.DeleteFunc(inv.Resources, func(r cloudscope.Resource) bool { return r.Type == cloudscope.NATGateway })
	return &resourcequery.Inventory{Regions: []string{"us-east-1"}, Resources: listed, Calls: 4, Listed: 6,
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
	prices := pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil))
	records := kv.NewMemory(nil)
	l := ledger.New(records)
	store := memstore.New()
	newScanner := func(d Discoverer) *Scanner {
		return New(Deps{Discovery: d, Metrics: &natMonth{account: acct, windows: map[cloudscope.ResourceType]metricquery.Grid{}}, Costs: acct, Store: store,
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
	prices := pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil))
	s := New(Deps{Discovery: acct, Metrics: &natMonth{account: acct, windows: map[cloudscope.ResourceType]metricquery.Grid{}}, Costs: acct, Store: memstore.New(),
		Thresholds: bottleneck.Defaults, Now: ticking(now), Prices: prices, Ledger: ledger.New(brokenRecords{kv.NewMemory(nil)})})
	r, err := s.Run(context.Background(), "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.Snapshot.Errors, func(f cloudscope.Failure) bool { return f.Service == ledger.FailureService }) {
		t.Errorf("the ledger's failure is not among the snapshot's errors: %+v", r.Snapshot.Errors)
	}
}

// An organization scan's finalize (conclude) records the ledger too: a finding
// of an account the scan read is resolved, one of an account it could not
// read (absent from its counts by account) is not; the finalize retried
// after it stored the snapshot changes nothing.
func TestConcludeRecordsTheLedger(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	l := ledger.New(kv.NewMemory(nil))
	s := New(Deps{Store: store, Ledger: l, Now: ticking(now), Account: func(context.Context) (string, error) { return ledgerAccount, nil }})
	priced := func(account, id string) cloudscope.Finding {
		m, _ := cloudscope.ParseAmount("3.65")
		return cloudscope.Finding{ID: bottleneck.EIPUnassociated + "/eip/" + account + "/us-east-1/" + id, AccountID: account, Rule: bottleneck.EIPUnassociated,
			Severity: cloudscope.Warning, ResourceType: cloudscope.Address, ResourceID: id, Region: "us-east-1",
			Savings: &cloudscope.Savings{Monthly: &m, Currency: cloudscope.SavingsCurrency}}
	}
	snapshot := func(id string, at time.Time, read []string, fs ...cloudscope.Finding) *cloudscope.Snapshot {
		c := cloudscope.SnapshotCounts{ByAccount: map[string]int{}}
		for _, a := range read {
			c.ByAccount[a] = 1
		}
		return &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: at, FinishedAt: at, Regions: []string{"us-east-1"},
			Counts: c, Errors: []cloudscope.Failure{}, Outcome: cloudscope.OutcomeComplete, Notification: cloudscope.NotifyNone}, Findings: fs}
	}
	finalize := func(snap *cloudscope.Snapshot) (*Result, error) {
		return s.conclude(ctx, nil, snap, store.Save, nil, ledger.AccountsOf(snap))
	}
	a1, b1 := priced("111111111111", "eipalloc-1"), priced("222222222222", "eipalloc-2")
	if _, err := finalize(snapshot("org-1", now, []string{"111111111111", "222222222222"}, a1, b1)); err != nil {
		t.Fatal(err)
	}
	// Both addresses gone from the listing; 222222222222 could not be read.
	second := snapshot("org-2", now.Add(24*time.Hour), []string{"111111111111"})
	if _, err := finalize(second); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		a, err := l.Answer(ctx, ledgerAccount, ledger.Query{Months: 12, Limit: 10}, now.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if a.Realized.Findings != 1 || a.Realized.ByAccount["111111111111"].String() != "3.65" || a.Open.ByAccount["222222222222"].String() != "3.65" {
			t.Errorf("%s: realized %v, open %v", when, a.Realized.ByAccount, a.Open.ByAccount)
		}
	}
	check("after the second scan")
	retried := snapshot("org-2", now.Add(25*time.Hour), []string{"111111111111"})
	if r, err := finalize(retried); err != nil || !r.Duplicate {
		t.Fatalf("retried finalize: %+v %v", r, err)
	}
	check("after the retried finalize")
}

// The weekly digest reports the ledger: what resolved findings save a
// month since the ledger began, and this week's.
func TestWeeklyDigestReportsSavingsRealized(t *testing.T) {
	ctx := context.Background()
	l := ledger.New(kv.NewMemory(nil))
	priced := func(id, monthly string) cloudscope.Finding {
		m, _ := cloudscope.ParseAmount(monthly)
		return cloudscope.Finding{ID: "ebs.unattached/ebs/" + ledgerAccount + "/us-east-1/" + id, AccountID: ledgerAccount, Rule: bottleneck.EBSUnattached,
			Severity: cloudscope.Warning, ResourceType: cloudscope.Volume, ResourceID: id, Region: "us-east-1",
			Savings: &cloudscope.Savings{Monthly: &m, Currency: cloudscope.SavingsCurrency}}
	}
	read := ledger.Coverage{Accounts: []string{ledgerAccount}, Regions: []string{"us-east-1"}}
	old, recent := priced("vol-old", "40.00"), priced("vol-recent", "2.50")
	rounds := []ledger.Round{
		{Scan: "a", At: monday.AddDate(0, 0, -20), Findings: []cloudscope.Finding{old, recent}, Read: read},
		{Scan: "b", At: monday.AddDate(0, 0, -10), Findings: []cloudscope.Finding{recent}, Read: read}, // vol-old deleted
		{Scan: "c", At: monday.AddDate(0, 0, -3), Read: read},                                          // vol-recent deleted
	}
	for _, r := range rounds {
		if _, err := l.Record(ctx, ledgerAccount, r); err != nil {
			t.Fatal(err)
		}
	}
	n := &notifier{}
	s := New(Deps{Store: twoWeeks(t), Notifier: n, Now: func() time.Time { return monday }, Ledger: l,
		Account: func(context.Context) (string, error) { return ledgerAccount, nil }})
	if _, err := s.Digest(ctx); err != nil || len(n.sent) != 1 {
		t.Fatalf("digest: %v, %d messages", err, len(n.sent))
	}
	m := n.sent[0]
	doc := []byte(m.Bodies["default"])
	schematest.Validate(t, doc, notify.DigestSchema, notify.FindingsSchema)
	var d notify.DigestDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if v := d.SavingsRealized; v == nil || v.Monthly.String() != "42.50" || v.Findings != 2 || v.ThisWeek.String() != "2.50" || v.ThisWeekFindings != 1 ||
		!v.Since.Equal(rounds[0].At) || v.Currency != "USD" {
		t.Errorf("savings realized %+v", d.SavingsRealized)
	}
	if want := "SAVED SO FAR\n\n42.50 USD/month since 2026-11-03 (2 findings resolved); this week 2.50 USD/month (1 finding)."; !strings.Contains(m.Bodies["email"], want) {
		t.Errorf("the e-mail lacks %q:\n%s", want, m.Bodies["email"])
	}
	schematest.Validate(t, []byte(m.Chat), notify.ChatSchema)
	if !strings.Contains(m.Chat, "Saved so far*: 42.50 USD/month since 2026-11-03 (2.50 this week)") {
		t.Errorf("chat %s", m.Chat)
	}
	// Without a ledger the document has no such field.
	n.sent = nil
	if _, err := New(Deps{Store: twoWeeks(t), Notifier: n, Now: func() time.Time { return monday }}).Digest(ctx); err != nil {
		t.Fatal(err)
	}
	var without notify.DigestDocument
	if err := json.Unmarshal([]byte(n.sent[0].Bodies["default"]), &without); err != nil {
		t.Fatal(err)
	}
	// (changes.savings_realized is the week's diff, there with or without a ledger.)
	if without.SavingsRealized != nil || strings.Contains(n.sent[0].Bodies["email"], "SAVED SO FAR") {
		t.Errorf("a digest without a ledger tells of one: %+v", without.SavingsRealized)
	}
}
