package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/notify"
	"github.com/cloudscope/cloudscope/shared/testkit/schematest"
)

// monday is when the weekly digest runs: Monday 2026-11-23, 08:00 UTC.
var monday = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// costReporter answers the 14-day query: Amazon EC2 10.00 a day last week
// and 12.00 this week, Amazon S3 1.00 a day throughout.
type costReporter struct {
	queries []costquery.Query
	fail    error
}

func (c *costReporter) Report(_ context.Context, q costquery.Query) (*costquery.Report, error) {
	c.queries = append(c.queries, q)
	if c.fail != nil {
		return nil, c.fail
	}
	rep := &costquery.Report{Query: q, Currency: "USD"}
	start, _ := time.Parse(costquery.DateLayout, q.Start)
	end, _ := time.Parse(costquery.DateLayout, q.End)
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		ec2 := "10.00"
		if !d.Before(end.AddDate(0, 0, -7)) {
			ec2 = "12.00"
		}
		a, _ := cloudscope.ParseAmount(ec2)
		b, _ := cloudscope.ParseAmount("1.00")
		rep.Periods = append(rep.Periods, costquery.Period{Start: d.Format(costquery.DateLayout), End: d.AddDate(0, 0, 1).Format(costquery.DateLayout),
			Total: a.Add(b), Estimated: !d.Before(end.AddDate(0, 0, -1)), Groups: map[string]cloudscope.Amount{"Amazon EC2": a, "Amazon S3": b}})
	}
	return rep, nil
}

func digestFinding(id string, sev cloudscope.Severity) cloudscope.Finding {
	return cloudscope.Finding{ID: "rule." + id + "/ec2/us-east-1/" + id, Rule: "rule." + id, Severity: sev, Title: id + " is in trouble",
		ResourceType: cloudscope.EC2, ResourceID: id, Region: "us-east-1", Recommendation: "Look at " + id + ".",
		Threshold: cloudscope.Threshold{Value: 80, Op: ">", Unit: "percent", Source: "seed design"}, Window: cloudscope.Window{Start: monday.AddDate(0, 0, -14), End: monday}}
}

// twoWeeks stores a daily scan at 06:00 from 2026-11-09 to 2026-11-23,
// with none on 11-19 and a partial one on 11-20. Until 11-16 the account
// has a (warning) and b (info); from 11-17 a is critical, b is gone and d
// (warning) is new.
func twoWeeks(t *testing.T) *memstore.Store {
	t.Helper()
	store := memstore.New()
	for d := time.Date(2026, 11, 9, 6, 0, 0, 0, time.UTC); !d.After(monday); d = d.AddDate(0, 0, 1) {
		day := d.Format("0102")
		if day == "1119" {
			continue
		}
		snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "daily-" + day, StartedAt: d.Add(-3 * time.Minute), FinishedAt: d,
			Regions: []string{"us-east-1"}, Outcome: cloudscope.OutcomeComplete, Errors: []cloudscope.Failure{}, Notification: cloudscope.NotifyNone}}
		for _, id := range []string{"a", "b", "d"} {
			snap.Resources = append(snap.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: id, Region: "us-east-1",
				ARN: "arn:aws:ec2:us-east-1:123456789012:instance/" + id})
		}
		if day <= "1116" {
			snap.Findings = []cloudscope.Finding{digestFinding("a", cloudscope.Warning), digestFinding("b", cloudscope.Info)}
		} else {
			snap.Findings = []cloudscope.Finding{digestFinding("a", cloudscope.Critical), digestFinding("d", cloudscope.Warning)}
		}
		if day == "1120" {
			snap.Outcome = cloudscope.OutcomePartial
			snap.Errors = []cloudscope.Failure{{Region: "eu-west-1", Service: "cloudwatch", Code: "throttled"}}
		}
		if err := store.Save(context.Background(), snap); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func TestWeeklyDigest(t *testing.T) {
	n := &notifier{}
	cr := &costReporter{}
	s := New(Deps{Costs: cr, Store: twoWeeks(t), Notifier: n, Now: func() time.Time { return monday }, DashboardURL: "https://d111111abcdef8.cloudfront.net/"})
	sum, err := s.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Sent || sum.Snapshot != "daily-1123" || sum.Base != "daily-1116" || sum.Scans != 6 || sum.Start != "2026-11-16" || sum.End != "2026-11-23" {
		t.Errorf("summary %+v", sum)
	}
	// One cost query: 14 days, daily, by service.
	if len(cr.queries) != 1 || cr.queries[0].String() != "2026-11-09..2026-11-23/DAILY/SERVICE/UnblendedCost" {
		t.Errorf("cost queries %v", cr.queries)
	}
	if len(n.sent) != 1 {
		t.Fatalf("%d messages", len(n.sent))
	}
	m := n.sent[0]
	if m.Attributes["kind"] != "digest" || m.Attributes["highest_severity"] != "critical" || m.Attributes["critical"] != "1" ||
		m.Attributes["warning"] != "1" || m.Attributes["new_findings"] != "2" || strings.Join(m.Lists["accounts"], ",") != "123456789012" {
		t.Errorf("attributes %v %v", m.Attributes, m.Lists)
	}

	doc := []byte(m.Bodies["default"])
	schematest.Validate(t, doc, notify.DigestSchema, notify.FindingsSchema)
	var d notify.DigestDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	sp := d.Spend
	if sp == nil || sp.ThisWeek.Total.String() != "91.00" || sp.LastWeek.Total.String() != "77.00" || sp.Change.String() != "14.00" ||
		sp.ThisWeek.Start != "2026-11-16" || sp.LastWeek.Start != "2026-11-09" || !sp.Estimated || len(sp.Services) != 2 ||
		sp.Services[0].Service != "Amazon EC2" || sp.Services[0].Change.String() != "14.00" || sp.Services[1].Change.String() != "0.00" {
		t.Errorf("spend %+v", sp)
	}
	if d.Open == nil || d.Open.SnapshotID != "daily-1123" || d.Open.Counts != (notify.SeverityCounts{Total: 2, Critical: 1, Warning: 1}) {
		t.Errorf("open %+v", d.Open)
	}
	c := d.Changes
	if c == nil || c.BaseSnapshotID != "daily-1116" || len(c.New) != 2 || c.New[0].ResourceID != "a" || c.New[1].ResourceID != "d" ||
		len(c.Resolved) != 1 || c.Resolved[0].ResourceID != "b" || c.NewOmitted != 0 || c.New[0].AccountID != "123456789012" {
		t.Errorf("changes %+v", c)
	}
	if len(d.Scans.Partial) != 1 || d.Scans.Partial[0].ScanID != "daily-1120" || strings.Join(d.Scans.DaysWithoutScan, ",") != "2026-11-19" || d.Scans.Stored != 6 {
		t.Errorf("scans %+v", d.Scans)
	}
	if d.PotentialSavings != nil || !strings.Contains(string(doc), `"potential_savings":null`) {
		t.Errorf("potential savings %s", doc)
	}
	if d.Links.Diff != "https://d111111abcdef8.cloudfront.net/#history?base=daily-1116&head=daily-1123" {
		t.Errorf("links %+v", d.Links)
	}

	email := m.Bodies["email"]
	for _, want := range []string{
		"This week (2026-11-16 to 2026-11-22): 91.00 USD", "Last week (2026-11-09 to 2026-11-15): 77.00 USD", "Change: +14.00 USD (+18.2%)",
		"- Amazon EC2: 84.00 (70.00, +14.00)",
		"2 findings in the newest snapshot, daily-1123 (2026-11-23 06:00 UTC): 1 critical, 1 warning, 0 info.",
		"2 findings new or worse, 1 resolved.", "- EC2 instance b, us-east-1, account 123456789012: b is in trouble (no longer).",
		"Open findings: none with a saving.", "6 snapshots stored this week.", "- Scan daily-1120 (2026-11-20 06:00 UTC) could not read 1 region or service.",
		"No snapshot was stored on 2026-11-19",
	} {
		if !strings.Contains(email, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, email)
		}
	}
	if strings.ContainsAny(email, "{}") {
		t.Errorf("the e-mail holds JSON:\n%s", email)
	}
	schematest.Validate(t, []byte(m.Chat), notify.ChatSchema)
	if len(m.Chat) > 8*1024 || !strings.Contains(m.Chat, "91.00 USD spent (+18.2%)") {
		t.Errorf("chat %s", m.Chat)
	}
}

func TestWeeklyDigestTellsWhatItCouldNotRead(t *testing.T) {
	// No cost data, and a single snapshot: no week to compare.
	n := &notifier{}
	store := memstore.New()
	one := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "first", FinishedAt: monday.Add(-2 * time.Hour), Outcome: cloudscope.OutcomeComplete}}
	if err := store.Save(context.Background(), one); err != nil {
		t.Fatal(err)
	}
	s := New(Deps{Costs: &costReporter{fail: cloudscope.Errorf(cloudscope.CodeThrottled, "slow down")}, Store: store, Notifier: n,
		Now: func() time.Time { return monday }})
	sum, err := s.Digest(context.Background())
	if err != nil || !sum.Sent || sum.Base != "" || sum.SpendError == "" {
		t.Fatalf("%+v %v", sum, err)
	}
	m := n.sent[0]
	schematest.Validate(t, []byte(m.Bodies["default"]), notify.DigestSchema, notify.FindingsSchema)
	var d notify.DigestDocument
	_ = json.Unmarshal([]byte(m.Bodies["default"]), &d)
	if d.Spend != nil || d.Changes != nil || d.Open == nil || len(d.Scans.DaysWithoutScan) != 7 || strings.Contains(m.Bodies["email"], "://") {
		t.Errorf("document %s", m.Bodies["default"])
	}
	for _, want := range []string{"Spend could not be read this time: upstream_throttled", "No snapshot from a week ago to compare with yet."} {
		if !strings.Contains(m.Bodies["email"], want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, m.Bodies["email"])
		}
	}

	// A failed publish is the invocation's error; a chat topic that
	// failed after the findings topic took the digest is not (a retry
	// would send it twice).
	n.fail = errors.New("sns is down")
	if _, err := s.Digest(context.Background()); err == nil {
		t.Error("a failed publish went unreported")
	}
	n.fail = fmt.Errorf("%w: no such topic", cloudscope.ErrChatUndelivered)
	if sum, err := s.Digest(context.Background()); err != nil || !sum.Sent || sum.ChatError == "" {
		t.Errorf("a failed chat publish: %+v %v", sum, err)
	}
}
