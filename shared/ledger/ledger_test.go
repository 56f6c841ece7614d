package ledger

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/pagecursor"
)

const acct = "111111111111"

var t0 = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)

func amount(t *testing.T, s string) *cloudscope.Amount {
	t.Helper()
	a, err := cloudscope.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return &a
}

// waste is a priced waste finding of rule on volume id in us-east-1.
func waste(t *testing.T, rule, id, monthly string) cloudscope.Finding {
	t.Helper()
	return cloudscope.Finding{ID: rule + "/ebs/" + acct + "/us-east-1/" + id, AccountID: acct, Rule: rule, Severity: cloudscope.Warning,
		Title: "wasted", ResourceType: cloudscope.Volume, ResourceID: id, Region: "us-east-1",
		Savings: &cloudscope.Savings{Monthly: amount(t, monthly), Currency: cloudscope.SavingsCurrency, Estimate: monthly + " USD/month"}}
}

// round is scan id at day days after t0, reading acct in us-east-1 whole,
// with findings, after prev (nil for none).
func round(id string, days int, prev *Round, findings ...cloudscope.Finding) Round {
	r := Round{Scan: id, At: t0.AddDate(0, 0, days), Findings: findings,
		Read: Coverage{Accounts: []string{acct}, Regions: []string{"us-east-1"}}}
	if prev != nil {
		r.Previous, r.PreviousAt = prev.Findings, prev.At
	}
	return r
}

func record(t *testing.T, l *Ledger, r Round) *Change {
	t.Helper()
	c, err := l.Record(context.Background(), acct, r)
	if err != nil {
		t.Fatalf("record %s: %v", r.Scan, err)
	}
	return c
}

func answer(t *testing.T, l *Ledger, q Query, now time.Time) *Answer {
	t.Helper()
	if q.Months == 0 {
		q.Months, q.Limit = DefaultMonths, DefaultLimit
	}
	a, err := l.Answer(context.Background(), acct, q, now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The test: a finding resolved between two scans is realized; its
// resource back, it reopens and stops counting as saved.
func TestResolveThenReopen(t *testing.T) {
	l := New(kv.NewMemory(nil))
	gp2 := waste(t, "ebs_gp2", "vol-1", "10.00")
	idle := waste(t, "ebs_unattached", "vol-2", "4.50")
	r1 := round("s1", 0, nil, gp2, idle)
	if c := record(t, l, r1); len(c.Opened) != 2 {
		t.Fatalf("first round opened %d, want 2", len(c.Opened))
	}
	r2 := round("s2", 1, &r1, idle) // vol-1 converted: its finding no longer fires
	c := record(t, l, r2)
	if len(c.Resolved) != 1 || c.Resolved[0].FindingID != gp2.ID || c.Realized.String() != "10.00" {
		t.Fatalf("second round: %+v", c)
	}
	e := c.Resolved[0]
	if !e.FirstSeen.Equal(r1.At) || !e.LastSeen.Equal(r1.At) || e.ResolvedAt == nil || !e.ResolvedAt.Equal(r2.At) || e.ResolvedScan != "s2" {
		t.Errorf("resolved entry's times: first %v last %v resolved %v by %s", e.FirstSeen, e.LastSeen, e.ResolvedAt, e.ResolvedScan)
	}
	a := answer(t, l, Query{}, r2.At)
	if a.Realized.Monthly.String() != "10.00" || a.Realized.Findings != 1 || a.Open.Monthly.String() != "4.50" {
		t.Errorf("after the resolve: realized %s (%d), open %s", a.Realized.Monthly, a.Realized.Findings, a.Open.Monthly)
	}
	if got := a.Realized.ByMonth["2026-11"].String(); got != "10.00" {
		t.Errorf("realized in 2026-11: %s", got)
	}
	if got := a.Realized.ByRule["ebs_gp2"].String(); got != "10.00" {
		t.Errorf("realized by rule: %v", a.Realized.ByRule)
	}
	if got := a.Realized.ByAccount[acct].String(); got != "10.00" {
		t.Errorf("realized by account: %v", a.Realized.ByAccount)
	}
	if a.Since == nil || !a.Since.Equal(r1.At) {
		t.Errorf("since %v, want the first round %v", a.Since, r1.At)
	}

	r3 := round("s3", 2, &r2, gp2, idle) // the resource came back
	c = record(t, l, r3)
	if len(c.Reopened) != 1 || c.Reopened[0].State != Open || c.Reopened[0].Reopens != 1 {
		t.Fatalf("third round: %+v", c)
	}
	a = answer(t, l, Query{}, r3.At)
	if !a.Realized.Monthly.IsZero() || a.Realized.Findings != 0 || a.Open.Monthly.String() != "14.50" {
		t.Errorf("after the reopen: realized %s (%d), open %s", a.Realized.Monthly, a.Realized.Findings, a.Open.Monthly)
	}
}

// A finding gone from a region the scan could not read is not resolved:
// never a saving because a read failed. Nor is one of an account the scan
// did not read (a scan of another accounts setting), one in a region it did
// not cover, or one its rule could not judge this time.
func TestNothingResolvesWhereTheScanDidNotRead(t *testing.T) {
	gp2 := waste(t, "ebs_gp2", "vol-1", "10.00")
	cases := map[string]func(r *Round){
		"region failed": func(r *Round) {
			r.Read.Failures = []cloudscope.Failure{{AccountID: acct, Region: "us-east-1", Service: "ec2"}}
		},
		"region failed, any account": func(r *Round) { r.Read.Failures = []cloudscope.Failure{{Region: "us-east-1", Service: "cloudwatch"}} },
		"account failed": func(r *Round) {
			r.Read.Failures = []cloudscope.Failure{{AccountID: acct, Service: "sts", Code: "access_denied"}}
		},
		"global listing failed": func(r *Round) { r.Read.Failures = []cloudscope.Failure{{Region: cloudscope.Global, Service: "s3"}} },
		"another account read":  func(r *Round) { r.Read.Accounts = []string{"222222222222"} },
		"region not covered":    func(r *Round) { r.Read.Regions = []string{"eu-west-1"} },
		"rule could not judge": func(r *Round) {
			r.Read.Undecided = []cloudscope.Insufficient{{AccountID: acct, Rule: "ebs_gp2", ResourceType: cloudscope.Volume, ResourceID: "vol-1", Region: "us-east-1"}}
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			l := New(kv.NewMemory(nil))
			r1 := round("s1", 0, nil, gp2)
			record(t, l, r1)
			r2 := round("s2", 1, &r1)
			change(&r2)
			if c := record(t, l, r2); len(c.Resolved)+len(c.Replaced) != 0 {
				t.Fatalf("resolved %+v", c)
			}
			a := answer(t, l, Query{}, r2.At)
			if !a.Realized.Monthly.IsZero() || a.Open.Monthly.String() != "10.00" {
				t.Errorf("realized %s, open %s", a.Realized.Monthly, a.Open.Monthly)
			}
		})
	}
	t.Run("a failure that reads nothing of the inventory", func(t *testing.T) {
		l := New(kv.NewMemory(nil))
		r1 := round("s1", 0, nil, gp2)
		record(t, l, r1)
		r2 := round("s2", 1, &r1)
		r2.Read.Failures = []cloudscope.Failure{{Region: cloudscope.Global, Service: "ce"}}
		if c := record(t, l, r2); len(c.Resolved) != 1 {
			t.Errorf("a Cost Explorer failure kept the finding open: %+v", c)
		}
	})
}

// One round recorded twice (a retried finalize) changes nothing the second
// time: nothing resolves, opens or counts twice.
func TestRecordIsIdempotent(t *testing.T) {
	store := kv.NewMemory(nil)
	l := New(store)
	gp2, idle := waste(t, "ebs_gp2", "vol-1", "10.00"), waste(t, "ebs_unattached", "vol-2", "4.50")
	r1 := round("s1", 0, nil, gp2, idle)
	record(t, l, r1)
	r2 := round("s2", 1, &r1, idle, waste(t, "ec2_idle", "i-9", "30.00"))
	first := record(t, l, r2)
	snap := dump(t, store)
	again := record(t, l, r2)
	if len(again.Opened)+len(again.Resolved)+len(again.Reopened)+len(again.Replaced) != 0 || !again.Realized.IsZero() {
		t.Errorf("the same round again changed: %+v", again)
	}
	if len(first.Resolved) != 1 || len(first.Opened) != 1 {
		t.Errorf("the round itself: %+v", first)
	}
	if got := dump(t, store); got != snap {
		t.Errorf("the ledger changed:\n%s\nthen\n%s", snap, got)
	}
	// The previous snapshot being the scan itself (a finalize retried after
	// it stored the snapshot) changes nothing either.
	same := r2
	same.Previous, same.PreviousAt = r2.Findings, r2.At
	if c := record(t, l, same); len(c.Opened)+len(c.Resolved) != 0 {
		t.Errorf("against itself: %+v", c)
	}
}

func dump(t *testing.T, st kv.Store) string {
	t.Helper()
	var out string
	if err := st.Query(context.Background(), kv.Scope(acct, Kind), "", "", 0, func(it kv.Item) error {
		out += it.Key.Sort + " " + string(it.Value) + "\n"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// A finding whose resource now carries another waste finding (its rule
// changed) is replaced, not realized: the resource still wastes money.
func TestRuleChangeIsNotRealized(t *testing.T) {
	l := New(kv.NewMemory(nil))
	under := waste(t, "ec2_underutilised", "i-1", "20.00")
	idle := waste(t, "ec2_idle", "i-1", "60.00")
	r1 := round("s1", 0, nil, under)
	record(t, l, r1)
	r2 := round("s2", 1, &r1, idle)
	c := record(t, l, r2)
	if len(c.Resolved) != 0 || len(c.Replaced) != 1 || c.Replaced[0].ReplacedBy != idle.ID {
		t.Fatalf("rule change: %+v", c)
	}
	a := answer(t, l, Query{}, r2.At)
	if !a.Realized.Monthly.IsZero() || a.Open.Monthly.String() != "60.00" {
		t.Errorf("realized %s, open %s", a.Realized.Monthly, a.Open.Monthly)
	}
	// The replacing finding resolving is realized.
	r3 := round("s3", 2, &r2)
	if c := record(t, l, r3); len(c.Resolved) != 1 || c.Realized.String() != "60.00" {
		t.Errorf("the replacing finding resolved: %+v", c)
	}
}

// A finding the ledger has not met (it was open before the ledger began)
// resolves from the previous scan, first seen then; a saving that changes
// is the one recorded; an unpriced finding never counts.
func TestPreviousScanAndChangingSavings(t *testing.T) {
	l := New(kv.NewMemory(nil))
	old := waste(t, "ebs_gp2", "vol-1", "10.00")
	prev := round("s0", 0, nil, old)
	r1 := round("s1", 1, &prev) // the ledger's first round: vol-1 gone already
	c := record(t, l, r1)
	if len(c.Resolved) != 1 || !c.Resolved[0].FirstSeen.Equal(prev.At) {
		t.Fatalf("resolved from the previous scan: %+v", c)
	}

	grows := waste(t, "ebs_unattached", "vol-2", "4.00")
	unpriced := waste(t, "ebs_unattached", "vol-3", "1.00")
	unpriced.Savings = &cloudscope.Savings{Unavailable: "no price"}
	r2 := round("s2", 2, &r1, grows, unpriced)
	record(t, l, r2)
	bigger := waste(t, "ebs_unattached", "vol-2", "8.00")
	r3 := round("s3", 3, &r2, bigger, unpriced)
	record(t, l, r3)
	r4 := round("s4", 4, &r3)
	c = record(t, l, r4)
	if len(c.Resolved) != 1 || c.Realized.String() != "8.00" || !c.Resolved[0].LastSeen.Equal(r3.At) {
		t.Errorf("resolved with the last estimate: %+v", c)
	}
}

// The answer pages its entries with a cursor tied to the question, filters
// by account and rule, and keeps to the months asked.
func TestAnswerPagesAndFilters(t *testing.T) {
	l := New(kv.NewMemory(nil))
	var fs []cloudscope.Finding
	for _, id := range []string{"vol-1", "vol-2", "vol-3"} {
		fs = append(fs, waste(t, "ebs_unattached", id, "1.25"))
	}
	fs = append(fs, waste(t, "ebs_gp2", "vol-9", "2.00"))
	record(t, l, round("s1", 0, nil, fs...))
	q, err := NewQuery(Input{Limit: "2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.AddDate(0, 0, 1)
	a := answer(t, l, q, now)
	if len(a.Entries) != 2 || a.NextCursor == "" || a.Open.Findings != 4 || a.Open.Monthly.String() != "5.75" {
		t.Fatalf("page 1: %d entries, cursor %q, open %d %s", len(a.Entries), a.NextCursor, a.Open.Findings, a.Open.Monthly)
	}
	q2, err := NewQuery(Input{Limit: "2", Cursor: a.NextCursor}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := answer(t, l, q2, now)
	if len(b.Entries) != 2 || b.NextCursor != "" || b.Entries[0].FindingID == a.Entries[0].FindingID {
		t.Errorf("page 2: %+v", b.Entries)
	}
	if _, err := NewQuery(Input{Limit: "2", Rule: "ebs_gp2", Cursor: a.NextCursor}, nil); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("a cursor of another question: %v", err)
	}
	rq, _ := NewQuery(Input{Rule: "ebs_gp2"}, nil)
	if r := answer(t, l, rq, now); r.Open.Monthly.String() != "2.00" || len(r.Entries) != 1 {
		t.Errorf("rule filter: %s, %d entries", r.Open.Monthly, len(r.Entries))
	}
	aq, _ := NewQuery(Input{Accounts: []string{"222222222222"}}, nil)
	if r := answer(t, l, aq, now); r.Open.Findings != 0 || len(r.Entries) != 0 {
		t.Errorf("another account: %+v", r)
	}
	// Two years on, a 12-month window holds none of it.
	later := answer(t, l, Query{Months: 12, Limit: 10}, t0.AddDate(2, 0, 0))
	if later.Open.Findings != 0 || len(monthsOf(later)) != 12 || later.From != "2027-12" || later.To != "2028-11" {
		t.Errorf("two years on: open %d, months %v %s..%s", later.Open.Findings, monthsOf(later), later.From, later.To)
	}
	if later.Since == nil || later.Since.Format(monthLayout) != "2027-12" {
		t.Errorf("since is the window's start when the ledger is older: %v", later.Since)
	}
	// Amounts are exact decimal strings.
	b2, _ := json.Marshal(a.Open)
	var raw map[string]any
	_ = json.Unmarshal(b2, &raw)
	if raw["monthly"] != "5.75" {
		t.Errorf("monthly in JSON: %v", raw["monthly"])
	}
}

// monthsOf lists the months of an answer.
func monthsOf(a *Answer) []string {
	var out []string
	for m := range a.Realized.ByMonth {
		out = append(out, m)
	}
	return out
}

func TestNewQueryRefuses(t *testing.T) {
	known := func(r string) bool { return r == "ebs_gp2" }
	for name, in := range map[string]Input{
		"months 0":       {Months: "0"},
		"months 121":     {Months: "121"},
		"months x":       {Months: "x"},
		"account":        {Accounts: []string{"12"}},
		"unknown rule":   {Rule: "nope"},
		"limit 1001":     {Limit: "1001"},
		"forged cursor":  {Cursor: "!!"},
		"foreign cursor": {Cursor: pagecursor.Encode(cursor{After: "meta", Question: Query{Months: 12}.question()})},
	} {
		if _, err := NewQuery(in, known); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	q, err := NewQuery(Input{}, known)
	if err != nil || q.Months != 12 || q.Limit != 500 {
		t.Errorf("defaults: %+v %v", q, err)
	}
}

// Saved sums what resolved, in all and within a period; nil before the
// first round.
func TestSaved(t *testing.T) {
	l := New(kv.NewMemory(nil))
	ctx := context.Background()
	if s, err := l.Saved(ctx, acct, t0, t0.AddDate(0, 0, 7)); err != nil || s != nil {
		t.Fatalf("empty ledger: %+v %v", s, err)
	}
	a, b := waste(t, "ebs_gp2", "vol-1", "10.00"), waste(t, "ebs_gp2", "vol-2", "3.00")
	r1 := round("s1", 0, nil, a, b)
	record(t, l, r1)
	r2 := round("s2", 1, &r1, b)
	record(t, l, r2)
	r3 := round("s3", 9, &r2)
	record(t, l, r3)
	s, err := l.Saved(ctx, acct, t0.AddDate(0, 0, 7), t0.AddDate(0, 0, 14))
	if err != nil {
		t.Fatal(err)
	}
	if s.Monthly.String() != "13.00" || s.Findings != 2 || s.InPeriod.String() != "3.00" || s.PeriodFindings != 1 || !s.Since.Equal(t0) {
		t.Errorf("saved: %+v", s)
	}
}

// recorder counts the kv calls made, by the DynamoDB action each maps to.
type recorder struct {
	kv.Store
	actions map[string]bool
}

func (r *recorder) Get(ctx context.Context, k kv.Key) (kv.Item, bool, error) {
	r.actions["dynamodb:GetItem"] = true
	return r.Store.Get(ctx, k)
}
func (r *recorder) Put(ctx context.Context, it kv.Item, c kv.Cond) error {
	r.actions["dynamodb:PutItem"] = true
	return r.Store.Put(ctx, it, c)
}
func (r *recorder) PutBatch(ctx context.Context, items []kv.Item) error {
	r.actions["dynamodb:BatchWriteItem"] = true
	return r.Store.PutBatch(ctx, items)
}
func (r *recorder) Delete(ctx context.Context, k kv.Key) error {
	r.actions["dynamodb:DeleteItem"] = true
	return r.Store.Delete(ctx, k)
}
func (r *recorder) Query(ctx context.Context, p, prefix, after string, limit int, fn func(kv.Item) error) error {
	r.actions["dynamodb:Query"] = true
	return r.Store.Query(ctx, p, prefix, after, limit, fn)
}

// TestIAMActionsMatchTheCalls holds IAMActions to the kv calls a round, an
// answer and a sum make. Delete is called only for a finding another one
// covers on its resource, which findings do not say yet (covered): it is
// the one action the rounds here cannot reach.
func TestIAMActionsMatchTheCalls(t *testing.T) {
	rec := &recorder{Store: kv.NewMemory(nil), actions: map[string]bool{}}
	l := New(rec)
	gp2 := waste(t, "ebs_gp2", "vol-1", "10.00")
	r1 := round("s1", 0, nil, gp2)
	record(t, l, r1)
	record(t, l, round("s2", 1, &r1))
	answer(t, l, Query{}, t0)
	if _, err := l.Saved(context.Background(), acct, t0, t0.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	rec.actions["dynamodb:DeleteItem"] = true
	var got []string
	for a := range rec.actions {
		got = append(got, a)
	}
	slices.Sort(got)
	if !slices.Equal(got, IAMActions) {
		t.Errorf("IAMActions %v, calls made %v", IAMActions, got)
	}
}
