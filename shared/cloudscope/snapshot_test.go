package cloudscope

import (
	"testing"
)

func TestCompareSnapshotsKeepsAccountsApart(t *testing.T) {
	const a, b = "111111111111", "222222222222"
	res := func(account, id string) Resource {
		return Resource{AccountID: account, Type: EC2, Region: "us-east-1", ID: id}
	}
	find := func(account, id string, sev Severity) Finding {
		return Finding{AccountID: account, ID: "ec2-cpu-high/ec2/us-east-1/" + id, Severity: sev, Region: "us-east-1", ResourceID: id}
	}
	base := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "base", Regions: []string{"us-east-1"}},
		Resources: []Resource{res(a, "i-1"), res(b, "i-2"), res(b, "i-3")},
		Findings:  []Finding{find(a, "i-1", Warning), find(b, "i-3", Warning)}}
	// The same instance id in the other account is another resource: i-1 of
	// b is added, i-2 of b removed; a's finding worsens, b's is resolved and
	// a new one appears for i-1 of b.
	head := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "head", Regions: []string{"us-east-1"}},
		Resources: []Resource{res(a, "i-1"), res(b, "i-1"), res(b, "i-3")},
		Findings:  []Finding{find(a, "i-1", Critical), find(b, "i-1", Warning)}}
	d := CompareSnapshots(base, head)
	if len(d.ResourcesAdded) != 1 || d.ResourcesAdded[0].AccountID != b || d.ResourcesAdded[0].ID != "i-1" {
		t.Errorf("added %+v, want i-1 of %s", d.ResourcesAdded, b)
	}
	if len(d.ResourcesRemoved) != 1 || d.ResourcesRemoved[0].ID != "i-2" {
		t.Errorf("removed %+v, want i-2", d.ResourcesRemoved)
	}
	want := map[string]DiffCounts{
		a: {FindingsWorse: 1},
		b: {ResourcesAdded: 1, ResourcesRemoved: 1, FindingsNew: 1, FindingsResolved: 1},
	}
	if len(d.ByAccount) != len(want) {
		t.Fatalf("by account %+v, want %+v", d.ByAccount, want)
	}
	for id, w := range want {
		if d.ByAccount[id] != w {
			t.Errorf("account %s: %+v, want %+v", id, d.ByAccount[id], w)
		}
	}
}

func TestCompareSnapshotsSkipsAnAccountHeadCouldNotRead(t *testing.T) {
	const a, b = "111111111111", "222222222222"
	base := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "base", Regions: []string{"us-east-1"}},
		Resources: []Resource{{AccountID: a, Type: S3, Region: "us-east-1", ID: "x"}, {AccountID: b, Type: S3, Region: "us-east-1", ID: "y"}},
		Findings:  []Finding{{AccountID: b, ID: "f", Region: "us-east-1", Severity: Warning}}}
	head := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "head", Regions: []string{"us-east-1"},
		Errors: []Failure{{AccountID: b, Code: "access_denied"}}}}
	d := CompareSnapshots(base, head)
	if len(d.ResourcesRemoved) != 1 || d.ResourcesRemoved[0].AccountID != a {
		t.Errorf("removed %+v, want only %s's (%s could not be read)", d.ResourcesRemoved, a, b)
	}
	if len(d.FindingsResolved) != 0 {
		t.Errorf("resolved %+v in an account head could not read", d.FindingsResolved)
	}
	if d.ByAccount[a].ResourcesRemoved != 1 || len(d.ByAccount) != 1 {
		t.Errorf("by account %+v", d.ByAccount)
	}
}

func TestCompareSnapshotsOfOneAccountHasNoAccountCounts(t *testing.T) {
	base := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "base", Regions: []string{"us-east-1"}}}
	head := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "head", Regions: []string{"us-east-1"}},
		Resources: []Resource{{Type: S3, Region: "us-east-1", ID: "x"}}}
	if d := CompareSnapshots(base, head); len(d.ResourcesAdded) != 1 || d.ByAccount != nil {
		t.Errorf("added %d, by account %+v; want 1 and none", len(d.ResourcesAdded), d.ByAccount)
	}
}

func TestInAccounts(t *testing.T) {
	const a, b = "111111111111", "222222222222"
	s := &Snapshot{SnapshotHeader: SnapshotHeader{Errors: []Failure{{AccountID: b, Code: "access_denied"}, {Region: "eu-west-1", Code: "throttled"}},
		Costs: &CostSummary{Currency: "USD"}},
		Resources:    []Resource{{AccountID: a, ID: "1"}, {AccountID: b, ID: "2"}},
		Findings:     []Finding{{AccountID: b, ID: "f"}},
		Insufficient: []Insufficient{{AccountID: a, Rule: "r"}}}
	got := s.InAccounts([]string{a})
	if len(got.Resources) != 1 || got.Resources[0].ID != "1" || len(got.Findings) != 0 || len(got.Insufficient) != 1 || len(got.Errors) != 1 || got.Errors[0].Region != "eu-west-1" {
		t.Errorf("in %s: %+v", a, got)
	}
	if got.Costs != nil {
		t.Error("the cost summary of every account is kept for one")
	}
	if len(s.Resources) != 2 || s.Costs == nil {
		t.Error("InAccounts changed its receiver")
	}
	if s.InAccounts(nil) != s {
		t.Error("no accounts should be the snapshot itself")
	}
}

func TestParseAccountIDs(t *testing.T) {
	got, err := ParseAccountIDs("accounts", []string{" 111111111111", "", "111111111111", "222222222222"})
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"12345678901", "1234567890123", "12345678901a", "self"} {
		if _, err := ParseAccountIDs("accounts", []string{bad}); err == nil || err.(*Error).Param != "accounts" {
			t.Errorf("%q: got %v, want an error naming accounts", bad, err)
		}
	}
}
