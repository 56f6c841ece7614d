package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
)

// savingsAPI serves GET /savings from a ledger over memory in which scan
// s1 saw two priced findings of account 111111111111 and scan s2 saw one
// of them resolved.
func savingsAPI(t *testing.T, now time.Time) httpapi.Deps {
	t.Helper()
	l := ledger.New(kv.NewMemory(nil))
	f := func(id, rule, monthly string) cloudscope.Finding {
		m, _ := cloudscope.ParseAmount(monthly)
		return cloudscope.Finding{ID: rule + "/ebs/111111111111/us-east-1/" + id, AccountID: "111111111111", Rule: rule, Severity: cloudscope.Info,
			Title: "An unattached volume", ResourceType: cloudscope.Volume, ResourceID: id, Region: "us-east-1",
			Savings: &cloudscope.Savings{Monthly: &m, Currency: "USD", Estimate: monthly + " USD/month"}}
	}
	a, b := f("vol-1", "ebs.unattached", "8.00"), f("vol-2", "ebs.unattached", "12.50")
	read := ledger.Coverage{Accounts: []string{"111111111111"}, Regions: []string{"us-east-1"}}
	ctx := context.Background()
	s1 := ledger.Round{Scan: "s1", At: now.AddDate(0, 0, -2), Findings: []cloudscope.Finding{a, b}, Read: read}
	if _, err := l.Record(ctx, "111111111111", s1); err != nil {
		t.Fatal(err)
	}
	s2 := ledger.Round{Scan: "s2", At: now.AddDate(0, 0, -1), Findings: []cloudscope.Finding{b}, Previous: s1.Findings, PreviousAt: s1.At, Read: read}
	if _, err := l.Record(ctx, "111111111111", s2); err != nil {
		t.Fatal(err)
	}
	return httpapi.Deps{Savings: &ledger.Service{Ledger: l, Account: func(context.Context) (string, error) { return "111111111111", nil },
		Now: func() time.Time { return now }}}
}

func TestSavingsRoute(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	h := newAPI(savingsAPI(t, now))
	r := do(t, h, "GET", "/savings") // held to the OpenAPI document
	if r.status != 200 {
		t.Fatalf("GET /savings: %d %s", r.status, r.body)
	}
	var d struct {
		Since    string `json:"since"`
		From, To string
		Realized struct {
			Monthly  string            `json:"monthly"`
			Findings int               `json:"findings"`
			ByMonth  map[string]string `json:"by_month"`
			ByRule   map[string]string `json:"by_rule"`
		} `json:"realized"`
		Open struct {
			Monthly string `json:"monthly"`
		} `json:"open"`
		Entries    []map[string]any `json:"entries"`
		NextCursor string           `json:"next_cursor"`
	}
	if err := json.Unmarshal(r.env.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Realized.Monthly != "8.00" || d.Realized.Findings != 1 || d.Realized.ByMonth["2026-12"] != "8.00" || d.Realized.ByRule["ebs.unattached"] != "8.00" {
		t.Errorf("realized: %+v", d.Realized)
	}
	if d.Open.Monthly != "12.50" || d.From != "2026-01" || d.To != "2026-12" || d.Since != "2026-12-04T09:00:00Z" || len(d.Entries) != 2 {
		t.Errorf("answer: %+v", d)
	}

	r = do(t, h, "GET", "/savings?limit=1&months=3&accounts=111111111111&rule=ebs.unattached")
	if err := json.Unmarshal(r.env.Data, &d); err != nil || r.status != 200 || len(d.Entries) != 1 || d.NextCursor == "" {
		t.Fatalf("first page: %d %s", r.status, r.body)
	}
	r = do(t, h, "GET", "/savings?limit=1&months=3&accounts=111111111111&rule=ebs.unattached&cursor="+url.QueryEscape(d.NextCursor))
	d.NextCursor = ""
	if err := json.Unmarshal(r.env.Data, &d); err != nil || r.status != 200 || len(d.Entries) != 1 || d.NextCursor != "" {
		t.Errorf("second page: %d %s", r.status, r.body)
	}

	for target, param := range map[string]string{
		"/savings?months=0":          "months",
		"/savings?months=1&months=2": "months",
		"/savings?rule=no_such_rule": "rule",
		"/savings?accounts=12":       "accounts",
		"/savings?limit=5000":        "limit",
		"/savings?cursor=abc":        "cursor",
		"/savings?region=us-east-1":  "region",
	} {
		r := do(t, h, "GET", target)
		if r.status != 400 || r.env.Error == nil || r.env.Error.Param != param {
			t.Errorf("%s: %d %s", target, r.status, r.body)
		}
	}
}

// Before any scan was recorded the ledger answers zeros and no since.
func TestSavingsRouteEmpty(t *testing.T) {
	l := ledger.New(kv.NewMemory(nil))
	h := newAPI(httpapi.Deps{Savings: &ledger.Service{Ledger: l}})
	r := do(t, h, "GET", "/savings?months=1")
	var d map[string]any
	if err := json.Unmarshal(r.env.Data, &d); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if d["since"] != nil || d["realized"].(map[string]any)["monthly"] != "0.00" {
		t.Errorf("empty ledger: %s", r.body)
	}
}
