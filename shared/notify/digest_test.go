package notify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/notify"
	"github.com/cloudscope/cloudscope/shared/testkit/schematest"
)

// A week in which an instance with an idle volume has been stopped long
// enough for its volumes to count as waste: the volume was counted last
// week (8.00), the instance's saving counts it again with its other volume
// (12.00). The digest counts each resource once.
func TestDigestCountsEachResourceOnce(t *testing.T) {
	amount := func(s string) *cloudscope.Amount {
		a, err := cloudscope.ParseAmount(s)
		if err != nil {
			t.Fatal(err)
		}
		return &a
	}
	idle := func() cloudscope.Finding {
		f := finding("ebs.idle", cloudscope.Warning, cloudscope.Volume, "vol-a", "")
		f.Savings = &cloudscope.Savings{Monthly: amount("8.00"), Currency: "USD", Estimate: "delete the volume, ... = 8.00 USD/month",
			Resources: []cloudscope.ResourceRef{{Type: cloudscope.Volume, ID: "vol-a"}}}
		return f
	}
	inst := finding("ec2.stopped_volumes_billed", cloudscope.Warning, cloudscope.EC2, "i-0abc", "")
	inst.Savings = &cloudscope.Savings{Monthly: amount("12.00"), Currency: "USD", Estimate: "terminate the instance and delete its volumes, ... = 12.00 USD/month",
		Resources: []cloudscope.ResourceRef{{Type: cloudscope.EC2, ID: "i-0abc"}, {Type: cloudscope.Volume, ID: "vol-a"}, {Type: cloudscope.Volume, ID: "vol-b"}}}
	snap := func(id string, at time.Time, fs ...cloudscope.Finding) *cloudscope.Snapshot {
		cloudscope.CoverSavings(fs)
		return &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, FinishedAt: at, Regions: []string{"us-east-1"}, Outcome: cloudscope.OutcomeComplete}, Findings: fs}
	}
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	base, latest := snap("daily-1116", finished.AddDate(0, 0, -7), idle()), snap("daily-1123", finished, idle(), inst)
	m := notify.Renderer{DashboardURL: dash}.Digest(notify.Digest{Start: start, End: start.AddDate(0, 0, 7), At: finished, SpendError: "not asked", Latest: latest, Base: base})
	doc := []byte(m.Bodies["default"])
	schematest.Validate(t, doc, notify.DigestSchema, notify.FindingsSchema)
	var d notify.DigestDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if s := d.Open.Savings; s.Monthly.String() != "12.00" || s.Priced != 1 || s.Covered != 1 {
		t.Errorf("open findings' savings %+v", s)
	}
	// New: the instance's 12.00, less the volume's 8.00 counted last week.
	if c := d.Changes; c == nil || c.SavingsNew.String() != "4.00" || !c.SavingsRealized.IsZero() {
		t.Errorf("changes %+v", c)
	}
	email := m.Bodies["email"]
	for _, want := range []string{"Open findings: 12.00 USD/month (1 finding; 1 more counted in another's saving).",
		"This week: 4.00 USD/month new, 0.00 USD/month realized (resolved findings)."} {
		if !strings.Contains(email, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, email)
		}
	}
	if !strings.Contains(m.Chat, "Potential savings: 12.00 USD/month.") {
		t.Errorf("chat %s", m.Chat)
	}
}
