package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/notify"
	"github.com/cloudscope/cloudscope/shared/testkit/schematest"
)

func amountOf(t *testing.T, s string) cloudscope.Amount {
	t.Helper()
	a, err := cloudscope.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// anomalies are two: one explained in part by a NAT gateway created that
// day (and an instance without a list price), one no scan covered.
func anomalies(t *testing.T) []cloudscope.Anomaly {
	since := finished.Add(-18 * time.Hour)
	cost := amountOf(t, "0.45")
	return []cloudscope.Anomaly{
		{ID: "an-0123456789abcdef", AccountID: account, Service: "EC2 - Other", Region: "us-east-1", Kind: cloudscope.AnomalySpike, Status: cloudscope.AnomalyNew,
			Start: "2026-11-22", End: "2026-11-22", Currency: "USD", Actual: amountOf(t, "60.00"), Expected: amountOf(t, "20.00"), Excess: amountOf(t, "40.00"), Score: 12.3,
			Explanation: &cloudscope.AnomalyExplanation{Covered: true, Explained: cost, Unexplained: amountOf(t, "39.55"), Unpriced: 1, Changes: []cloudscope.AnomalyChange{
				{ResourceType: cloudscope.NATGateway, ResourceID: "nat-0abc", Region: "us-east-1", Change: cloudscope.ChangeCreated, Since: since, Hours: 10, Cost: &cost},
				{ResourceType: cloudscope.EC2, ResourceID: "i-0new", Region: "us-east-1", Change: cloudscope.ChangeCreated, Since: since, Hours: 10, Unpriced: "no list price"},
			}}},
		{ID: "an-fedcba9876543210", Service: "AWS Lambda", Kind: cloudscope.AnomalyNewSpend, Status: cloudscope.AnomalyNew, Start: "2026-11-21", End: "2026-11-21",
			Currency: "USD", Actual: amountOf(t, "15.00"), Expected: amountOf(t, "0.00"), Excess: amountOf(t, "15.00"),
			Explanation: &cloudscope.AnomalyExplanation{Note: "no stored scan saw the inventory after 2026-11-21 began", Changes: []cloudscope.AnomalyChange{}}},
	}
}

func TestFindingsCarryAnomalies(t *testing.T) {
	snap, fs := sample()
	m := notify.Renderer{DashboardURL: dash, Anomalies: anomalies(t)}.Findings(snap, fs, "evt-1")
	schematest.Validate(t, []byte(m.Bodies[cloudscope.BodyDefault]), notify.FindingsSchema)
	email := m.Bodies[cloudscope.BodyEmail]
	noJSON(t, email)
	if m.Attributes["anomalies"] != "2" || !strings.Contains(m.Subject, "2 spend anomalies") ||
		!strings.Contains(email, "SPEND ANOMALIES (2)") || !strings.Contains(email, "EC2 - Other, us-east-1, account "+account+" on 2026-11-22: 60.00 USD against 20.00 expected (+40.00)") ||
		!strings.Contains(email, "Explained: 0.45 by 2 changes; unexplained: 39.55.") || !strings.Contains(email, "nat-0abc (NAT gateway, us-east-1) created") ||
		!strings.Contains(email, "i-0new (EC2 instance, us-east-1) created 12:03 UTC, 10.00 h: unpriced") ||
		!strings.Contains(email, "Why: no stored scan saw the inventory") || !strings.Contains(m.Bodies[cloudscope.BodyDefault], `"explained":"0.45"`) {
		t.Errorf("%s %v\n%s\n%s", m.Subject, m.Attributes, email, m.Bodies[cloudscope.BodyDefault])
	}
	// Anomalies alone: the subject says so.
	m = notify.Renderer{Anomalies: anomalies(t)[:1]}.Findings(snap, nil, "")
	schematest.Validate(t, []byte(m.Bodies[cloudscope.BodyDefault]), notify.FindingsSchema)
	if m.Subject != "cloudscope: 1 spend anomaly" {
		t.Errorf("subject %q", m.Subject)
	}
	// None: the document has no anomalies field, as before.
	m = notify.Renderer{}.Findings(snap, fs, "")
	if strings.Contains(m.Bodies[cloudscope.BodyDefault], "anomalies") || m.Attributes["anomalies"] != "" {
		t.Errorf("a message without anomalies mentions them: %v", m.Attributes)
	}
}

func TestDigestListsTheWeeksAnomalies(t *testing.T) {
	d := notify.Digest{Start: finished.AddDate(0, 0, -7).Truncate(24 * time.Hour), End: finished.Truncate(24 * time.Hour), At: finished, Anomalies: anomalies(t)}
	m := notify.Renderer{}.Digest(d)
	schematest.Validate(t, []byte(m.Bodies[cloudscope.BodyDefault]), notify.DigestSchema, notify.FindingsSchema)
	if !strings.Contains(m.Bodies[cloudscope.BodyEmail], "SPEND ANOMALIES (2)") || !strings.Contains(m.Bodies[cloudscope.BodyDefault], `"an-fedcba9876543210"`) {
		t.Errorf("digest:\n%s\n%s", m.Bodies[cloudscope.BodyEmail], m.Bodies[cloudscope.BodyDefault])
	}
}
