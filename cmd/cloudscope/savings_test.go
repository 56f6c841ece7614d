package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/filestore"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// The ledger the command reads is the state file's records, in the
// partition of the credentials' account: moto's. Two scans are recorded in
// it: one Elastic IP released between them, one still there.
func TestSavingsTable(t *testing.T) {
	emulator.Reset(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := filestore.Open(path, filestore.DefaultRetention, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := services.Ledger(appconfig.Config{}, nil, st.KV())
	f := func(id, monthly string) cloudscope.Finding {
		m, _ := cloudscope.ParseAmount(monthly)
		return cloudscope.Finding{ID: "eip.unassociated/eip/" + mototest.AccountID + "/us-east-1/" + id, AccountID: mototest.AccountID, Rule: "eip.unassociated",
			Severity: cloudscope.Warning, ResourceType: cloudscope.Address, ResourceID: id, Region: "us-east-1",
			Savings: &cloudscope.Savings{Monthly: &m, Currency: "USD"}}
	}
	released, kept := f("eipalloc-cli-released", "3.65"), f("eipalloc-cli-kept", "7.30")
	read := ledger.Coverage{Accounts: []string{mototest.AccountID}, Regions: []string{"us-east-1"}}
	day := time.Now().UTC().Add(-time.Hour)
	first := ledger.Round{Scan: "cli-1", At: day.Add(-24 * time.Hour), Findings: []cloudscope.Finding{released, kept}, Read: read}
	second := ledger.Round{Scan: "cli-2", At: day, Findings: []cloudscope.Finding{kept}, Previous: first.Findings, PreviousAt: first.At, Read: read}
	for _, r := range []ledger.Round{first, second} {
		if _, err := l.Record(ctx, mototest.AccountID, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := cli(t, "savings", "--state", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	month := `(?m)^ *` + day.Format("2006-01") + ` +3\.65 +7\.30 *$` // resolved and first seen in one month
	if first.At.Month() != day.Month() {
		month = `(?m)^ *` + day.Format("2006-01") + ` +3\.65 +0\.00 *$`
	}
	for _, re := range []string{
		`(?m)^Saved so far: 3\.65 USD/month since \d{4}-\d{2}-\d{2} \(1 finding resolved\)$`,
		`(?m)^Still open: +7\.30 USD/month \(1 finding\)$`,
		month,
		`(?m)^eip\.unassociated +3\.65 +7\.30$`,
		`(?m)^resolved +3\.65 +eip\.unassociated +` + mototest.AccountID + `/eipalloc-cli-released +us-east-1 +` + first.At.Format("2006-01-02") + ` +` + day.Format("2006-01-02") + `$`,
		`(?m)^open +7\.30 +eip\.unassociated +` + mototest.AccountID + `/eipalloc-cli-kept +us-east-1 +` + first.At.Format("2006-01-02") + ` +-$`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("no line matching %s in:\n%s", re, stdout)
		}
	}

	code, stdout, stderr = cli(t, "savings", "--state", path, "--json", "--months", "2", "--rule", "eip.unassociated")
	var a ledger.Answer
	if err := json.Unmarshal([]byte(stdout), &a); code != 0 || err != nil {
		t.Fatalf("--json: exit %d, %v: %s%s", code, err, stdout, stderr)
	}
	if a.Realized.Monthly.String() != "3.65" || a.Open.Monthly.String() != "7.30" || len(a.Entries) != 2 || a.To != day.Format("2006-01") {
		t.Errorf("--json: %s", stdout)
	}

	if code, _, stderr := cli(t, "savings", "--months", "0"); code != 1 || !strings.Contains(stderr, "months") {
		t.Errorf("--months 0: exit %d: %s", code, stderr)
	}
}
