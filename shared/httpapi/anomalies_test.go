package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
)

type fakeAnomalies struct {
	got  anomaly.Filter
	list []cloudscope.Anomaly
}

func (f *fakeAnomalies) List(_ context.Context, q anomaly.Filter) ([]cloudscope.Anomaly, error) {
	f.got = q
	return f.list, nil
}

func amount(t *testing.T, s string) cloudscope.Amount {
	t.Helper()
	a, err := cloudscope.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Every field of an anomaly set, as the explainer writes it, conforms to
// the OpenAPI document; the filters reach the service validated.
func TestAnomaliesRoute(t *testing.T) {
	at := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	cost := amount(t, "0.45")
	a := cloudscope.Anomaly{ID: anomaly.ID("", "EC2 - Other", "us-east-1", "2026-11-25"), AccountID: "123456789012", Service: "EC2 - Other", Region: "us-east-1",
		Kind: cloudscope.AnomalySpike, Status: cloudscope.AnomalyNew, Start: "2026-11-25", End: "2026-11-25", Currency: "USD",
		Actual: amount(t, "60.1234"), Expected: amount(t, "20.00"), Excess: amount(t, "40.1234"), Score: 12.5, Provisional: true,
		Days:      []cloudscope.AnomalyDay{{Date: "2026-11-25", Actual: amount(t, "60.1234"), Expected: amount(t, "20.00"), Score: 12.5, Estimated: true}},
		FirstSeen: at, UpdatedAt: at, Notified: &at,
		Explanation: &cloudscope.AnomalyExplanation{Covered: true, Base: "s-1", Head: "s-2", Explained: cost, Unexplained: amount(t, "39.6734"), Unpriced: 1,
			Note: "1 of the changes have no list price in cloudscope yet (unpriced)",
			Changes: []cloudscope.AnomalyChange{
				{AccountID: "123456789012", ResourceType: cloudscope.NATGateway, ResourceID: "nat-0abc", Name: "egress", Region: "us-east-1", Change: cloudscope.ChangeCreated,
					Since: at, Hours: 10, Cost: &cost, Prices: []cloudscope.UnitPrice{{Amount: amount(t, "0.045"), Unit: "Hrs", Currency: "USD", Source: "AWS Price List AmazonEC2", Date: "2026-11-01"}}},
				{ResourceType: cloudscope.EC2, ResourceID: "i-0abc", Region: "us-east-1", Change: cloudscope.ChangeResized, Detail: "instance type t3.micro -> m5.large",
					Since: at, Hours: 10, Unpriced: "no list price for ec2 hours in cloudscope yet"},
			}},
	}
	fake := &fakeAnomalies{list: []cloudscope.Anomaly{a}}
	h := newAPI(httpapi.Deps{Anomalies: fake, Now: func() time.Time { return clock }})

	r := do(t, h, "GET", "/anomalies?days=14&service=EC2%20-%20Other&status=NEW&account=123456789012")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got httpapi.AnomalyList
	if err := json.Unmarshal(r.env.Data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != 1 || got.Days != 14 || got.Anomalies[0].ID != a.ID {
		t.Errorf("answer %+v", got)
	}
	if fake.got != (anomaly.Filter{Days: 14, Service: "EC2 - Other", Account: "123456789012", Status: cloudscope.AnomalyNew}) {
		t.Errorf("filter %+v", fake.got)
	}
	for _, bad := range []string{"/anomalies?days=0", "/anomalies?days=401", "/anomalies?status=open", "/anomalies?account=12", "/anomalies?color=red"} {
		if r := do(t, h, "GET", bad); r.status != 400 {
			t.Errorf("%s: %d %s, want 400", bad, r.status, r.body)
		}
	}
}
