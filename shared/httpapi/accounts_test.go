package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

const acctA, acctB = "111111111111", "222222222222"

// inAccounts is snapshot with its resources and findings in acctA and
// acctB in turn.
func inAccounts(id string, at time.Time, hot ...string) *cloudscope.Snapshot {
	s := snapshot(id, at, hot...)
	for i := range s.Resources {
		s.Resources[i].AccountID = []string{acctA, acctB}[i%2]
	}
	for i := range s.Findings {
		s.Findings[i].AccountID = []string{acctA, acctB}[i%2]
	}
	s.Counts.CountResources(s.Resources)
	return s
}

func TestAccountsFilterTheStoredReads(t *testing.T) {
	store := memstore.New()
	ctx := context.Background()
	if err := store.Save(ctx, inAccounts("s1", clock.Add(-48*time.Hour), "i-a", "i-b")); err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, inAccounts("s2", clock.Add(-24*time.Hour), "i-a", "i-c", "i-d")); err != nil {
		t.Fatal(err)
	}
	h := newAPI(httpapi.Deps{Bottlenecks: &fakeBottlenecks{store: store}, Inventory: inventory.New(store, nil, inventory.Options{}),
		Now: func() time.Time { return clock }})

	r := do(t, h, "GET", "/resources?accounts="+acctB)
	var page inventory.Page
	if err := json.Unmarshal(r.env.Data, &page); err != nil || r.status != 200 || page.Counts.Total != 1 || page.Resources[0].AccountID != acctB || page.Resources[0].ID != "i-c" {
		t.Errorf("resources of %s: %d %s", acctB, r.status, r.body)
	}

	r = do(t, h, "GET", "/bottlenecks?accounts="+acctA)
	var b struct {
		Findings []cloudscope.Finding `json:"findings"`
		Counts   struct {
			Findings  int            `json:"findings"`
			ByAccount map[string]int `json:"by_account"`
		} `json:"counts"`
	}
	if err := json.Unmarshal(r.env.Data, &b); err != nil || len(b.Findings) != 2 || b.Counts.Findings != 2 || b.Counts.ByAccount[acctA] != 2 || len(b.Counts.ByAccount) != 1 {
		t.Errorf("findings of %s: %s", acctA, r.body)
	}
	for _, f := range b.Findings {
		if f.AccountID != acctA {
			t.Errorf("a finding of %s among %s's", f.AccountID, acctA)
		}
	}
	r = do(t, h, "GET", "/bottlenecks")
	if err := json.Unmarshal(r.env.Data, &b); err != nil || b.Counts.Findings != 3 || b.Counts.ByAccount[acctA] != 2 || b.Counts.ByAccount[acctB] != 1 {
		t.Errorf("findings of every account: %s", r.body)
	}

	// s1 had i-a (A) and i-b (B); s2 has i-a (A), i-c (B), i-d (A).
	r = do(t, h, "GET", "/snapshots/s2/diff")
	var d cloudscope.SnapshotDiff
	if err := json.Unmarshal(r.env.Data, &d); err != nil || d.ByAccount[acctA].ResourcesAdded != 1 || d.ByAccount[acctB].ResourcesAdded != 1 || d.ByAccount[acctB].ResourcesRemoved != 1 {
		t.Errorf("diff by account: %s", r.body)
	}
	r = do(t, h, "GET", "/snapshots/s2/diff?accounts="+acctB)
	d = cloudscope.SnapshotDiff{}
	if err := json.Unmarshal(r.env.Data, &d); err != nil || len(d.ResourcesAdded) != 1 || d.ResourcesAdded[0].ID != "i-c" || len(d.ResourcesRemoved) != 1 || d.ByAccount[acctA] != (cloudscope.DiffCounts{}) {
		t.Errorf("diff of %s: %s", acctB, r.body)
	}

	for _, target := range []string{"/resources?accounts=12", "/bottlenecks?accounts=self", "/snapshots/s2/diff?accounts=1111111111111"} {
		if r := do(t, h, "GET", target); r.status != 400 || r.env.Error.Param != "accounts" {
			t.Errorf("%s: %d %s", target, r.status, r.body)
		}
	}
}

func TestCostsOfAccounts(t *testing.T) {
	var calls awsstub.Counter
	h := costsAPI(&calls)
	r := do(t, h, "GET", "/costs?group_by=account&accounts="+acctB+","+acctA)
	var rep struct {
		GroupBy  string   `json:"group_by"`
		Accounts []string `json:"accounts"`
	}
	if err := json.Unmarshal(r.env.Data, &rep); err != nil || r.status != 200 || rep.GroupBy != "LINKED_ACCOUNT" || strings.Join(rep.Accounts, ",") != acctA+","+acctB {
		t.Errorf("%d %s", r.status, r.body)
	}
	if r := do(t, h, "GET", "/costs?accounts=abc"); r.status != 400 || r.env.Error.Param != "accounts" {
		t.Errorf("a bad account: %d %s", r.status, r.body)
	}
	r = do(t, h, "GET", "/costs/forecast?accounts="+acctB)
	if err := json.Unmarshal(r.env.Data, &rep); err != nil || r.status != 200 || strings.Join(rep.Accounts, ",") != acctB {
		t.Errorf("forecast of %s: %d %s", acctB, r.status, r.body)
	}
}

// The metrics route reads live with its own credentials: an account other
// than theirs is refused, saying why, before any AWS call.
func TestMetricsOfAnotherAccountAreRefused(t *testing.T) {
	fetched := 0
	m := fakeMetrics(func(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
		fetched++
		return &metricquery.Result{Region: r.Region, Window: r.Window, Resources: []cloudscope.ResourceMetrics{}}, nil
	})
	self := func(context.Context) (string, error) { return acctA, nil }
	target := "/metrics?resource_type=ec2&resource_ids=i-01234567&region=us-east-1&accounts="
	for _, tc := range []struct {
		account func(context.Context) (string, error)
		ask     string
		status  int
	}{
		{self, acctA, 200},
		{self, acctB, 400},
		{nil, acctA, 400},
		{self, acctA + "," + acctB, 400},
	} {
		h := newAPI(httpapi.Deps{Now: func() time.Time { return clock }, Metrics: m, Account: tc.account})
		before := fetched
		r := do(t, h, "GET", target+tc.ask)
		if r.status != tc.status {
			t.Errorf("accounts=%s: %d %s", tc.ask, r.status, r.body)
		}
		if tc.status == 400 && (r.env.Error.Param != "accounts" || fetched != before) {
			t.Errorf("accounts=%s: refused as %q after %d fetches", tc.ask, r.env.Error.Param, fetched-before)
		}
		if tc.status == 400 && tc.ask == acctB && !strings.Contains(r.env.Error.Message, "member account") {
			t.Errorf("the refusal does not say why: %s", r.env.Error.Message)
		}
	}
}

// A server that reads several accounts reads another account's metrics
// through its member role (Deps.MemberMetrics), its own with its own
// credentials; a member whose role refuses is an upstream access denied.
func TestMetricsOfAMemberThroughItsRole(t *testing.T) {
	var own, member int
	reader := func(n *int) fakeMetrics {
		return func(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
			*n++
			return &metricquery.Result{Region: r.Region, Window: r.Window, Resources: []cloudscope.ResourceMetrics{}}, nil
		}
	}
	var asked []string
	h := newAPI(httpapi.Deps{Now: func() time.Time { return clock }, Metrics: reader(&own),
		Account: func(context.Context) (string, error) { return acctA, nil },
		MemberMetrics: func(_ context.Context, account string) (httpapi.Metrics, error) {
			asked = append(asked, account)
			if account == "333333333333" {
				return nil, &cloudscope.Error{Code: cloudscope.CodeAccessDenied, Message: "sts AssumeRole into account 333333333333: AccessDenied"}
			}
			return reader(&member), nil
		}})
	target := "/metrics?resource_type=ec2&resource_ids=i-01234567&region=us-east-1&accounts="
	if r := do(t, h, "GET", target+acctB); r.status != 200 || member != 1 || own != 0 {
		t.Errorf("a member: %d (member reads %d, own %d) %s", r.status, member, own, r.body)
	}
	if r := do(t, h, "GET", target+acctA); r.status != 200 || own != 1 || member != 1 {
		t.Errorf("its own account: %d (member reads %d, own %d) %s", r.status, member, own, r.body)
	}
	if r := do(t, h, "GET", target+"333333333333"); r.status != 502 || r.env.Error.Code != string(cloudscope.CodeAccessDenied) {
		t.Errorf("a member whose role refuses: %d %s", r.status, r.body)
	}
	if strings.Join(asked, ",") != acctB+",333333333333" {
		t.Errorf("member roles asked for %v", asked)
	}
}
