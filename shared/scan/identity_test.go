package scan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
)

// TestAOneAccountScanNamesItsAccount: accounts=self stays the direct scan,
// but its resources, findings, undecided rules and failures carry the
// account (asked once), and a finding's id names it.
func TestAOneAccountScanNamesItsAccount(t *testing.T) {
	acct := &account{resources: []cloudscope.Resource{instance("i-hot"), {Type: cloudscope.RDS, ID: "db", Region: "us-east-1", State: "available",
		RDS: &cloudscope.RDSDetails{InstanceClass: "db.m5.large"}}}, cpu: map[string]float64{"i-hot": 95}}
	asked := 0
	s := New(Deps{Discovery: acct, Metrics: acct, Costs: acct, Store: memstore.New(), Thresholds: bottleneck.Defaults,
		Now: func() time.Time { return now }, Account: func(context.Context) (string, error) { asked++; return "123456789012", nil }})
	r, err := s.Run(context.Background(), "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := r.Snapshot
	for _, res := range snap.Resources {
		if res.AccountID != "123456789012" {
			t.Errorf("resource %s: account %q", res.ID, res.AccountID)
		}
	}
	if snap.Counts.ByAccount["123456789012"] != 2 {
		t.Errorf("counts by account %v", snap.Counts.ByAccount)
	}
	if len(snap.Findings) == 0 || len(snap.Insufficient) == 0 {
		t.Fatalf("findings %d, undecided %d: want some of each", len(snap.Findings), len(snap.Insufficient))
	}
	for _, f := range snap.Findings {
		if f.AccountID != "123456789012" || !strings.HasPrefix(f.ID, f.Rule+"/ec2/123456789012/us-east-1/") {
			t.Errorf("finding %s: account %q", f.ID, f.AccountID)
		}
	}
	for _, in := range snap.Insufficient {
		if in.AccountID != "123456789012" {
			t.Errorf("undecided %+v", in)
		}
	}
	if asked != 1 {
		t.Errorf("the account was asked %d times, want once", asked)
	}
	// Without Account, nothing changes: no account, ids as before.
	_, _, _, plain := setup()
	r, err = plain.Run(context.Background(), "scan-1", nil)
	if err != nil || r.Snapshot.Resources[0].AccountID != "" || strings.Count(r.Snapshot.Findings[0].ID, "/") != 3 {
		t.Errorf("without an account: %v %+v", err, r.Snapshot.Findings[0])
	}
}
