package anomaly

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

// scans are stored snapshots, newest first.
type scans []*cloudscope.Snapshot

func (s scans) List(_ context.Context, limit int) ([]cloudscope.SnapshotHeader, error) {
	var out []cloudscope.SnapshotHeader
	for _, sn := range s {
		out = append(out, sn.SnapshotHeader)
	}
	return out, nil
}

func (s scans) Get(_ context.Context, id string) (*cloudscope.Snapshot, error) {
	for _, sn := range s {
		if sn.ID == id {
			return sn, nil
		}
	}
	return nil, nil
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func snapshot(id, started string, rs ...cloudscope.Resource) *cloudscope.Snapshot {
	return &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: *at(started), Outcome: cloudscope.OutcomeComplete}, Resources: rs}
}

func nat(id, created string) cloudscope.Resource {
	return cloudscope.Resource{Type: cloudscope.NATGateway, ID: id, Region: "us-east-1", State: "available", CreatedAt: at(created),
		NATGateway: &cloudscope.NATGatewayDetails{ConnectivityType: "public"}}
}

// prices are the Price List's answers as recorded (shared/testkit/pricelist).
func prices() Prices {
	return pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil))
}

// now is the clock of these tests: 09:00 UTC, the day after the spike.
var now = *at("2026-12-06T09:00:00Z")

// report is Query's report at now: series maps "<region>, <service>" to
// its daily amounts, oldest first, the last being today; estimated marks
// the last n days Estimated.
func report(series map[string][]float64, estimated int) *costquery.Report {
	q := Query(now, false)
	start, _ := time.Parse(costquery.DateLayout, q.Start)
	end, _ := time.Parse(costquery.DateLayout, q.End)
	r := &costquery.Report{Query: q, Currency: "USD"}
	days := int(end.Sub(start).Hours() / 24)
	for i := 0; i < days; i++ {
		d := start.AddDate(0, 0, i)
		p := costquery.Period{Start: d.Format(costquery.DateLayout), End: d.AddDate(0, 0, 1).Format(costquery.DateLayout), Groups: map[string]cloudscope.Amount{},
			Estimated: i >= days-estimated}
		for k, v := range series {
			amt, _ := cloudscope.ParseAmount(fmt.Sprintf("%.4f", v[i]))
			p.Groups[k] = amt
			p.Total = p.Total.Add(amt)
		}
		r.Periods = append(r.Periods, p)
	}
	return r
}

// spikeYesterday is 57 days (8 weeks and today) of EC2 - Other at about
// 20 a day, with 60 more yesterday and today a few hours in.
func spikeYesterday() []float64 {
	v := weekly(57, 20, 20, 0.03)
	v[55] += 60
	v[56] = 4
	return v
}

func TestExplain(t *testing.T) {
	base := snapshot("s-base", "2026-12-04T06:00:00Z", nat("nat-old", "2026-11-01T00:00:00Z"))
	volume := cloudscope.Resource{Type: cloudscope.Volume, ID: "vol-big", Region: "us-east-1", State: "available", CreatedAt: at("2026-12-05T00:00:00Z"),
		Volume: &cloudscope.VolumeDetails{VolumeType: "gp3", SizeGB: 730}}
	instance := cloudscope.Resource{Type: cloudscope.EC2, ID: "i-new", Region: "us-east-1", State: "running", CreatedAt: at("2026-12-05T12:00:00Z"),
		EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}
	head := snapshot("s-head", "2026-12-06T06:00:00Z",
		nat("nat-old", "2026-11-01T00:00:00Z"),
		nat("nat-new", "2026-12-05T14:00:00Z"),  // 10 hours of the day
		nat("nat-late", "2026-12-06T02:00:00Z"), // launched after the day
		volume, instance)
	svc := New(kv.NewMemory(nil), prices(), nil, Options{Now: func() time.Time { return now }})
	rep := report(map[string][]float64{"us-east-1, EC2 - Other": spikeYesterday()}, 0)
	res, err := svc.Evaluate(context.Background(), rep, scans{head, base})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Anomalies) != 1 {
		t.Fatalf("anomalies %+v", res.Anomalies)
	}
	a := res.Anomalies[0]
	ex := a.Explanation
	if a.Start != "2026-12-05" || a.Service != "EC2 - Other" || a.Region != "us-east-1" || ex == nil || !ex.Covered || ex.Base != "s-base" || ex.Head != "s-head" {
		t.Fatalf("anomaly %+v, explanation %+v", a, ex)
	}
	got := map[string]cloudscope.AnomalyChange{}
	for _, c := range ex.Changes {
		got[c.ResourceID] = c
	}
	if len(got) != 2 {
		t.Errorf("changes %+v, want nat-new and vol-big only (nat-late came after the day, nat-old before, i-new bills under another service)", ex.Changes)
	}
	// 10 hours x 0.045 USD (the recorded NAT gateway hour in us-east-1).
	if c := got["nat-new"]; c.Change != cloudscope.ChangeCreated || c.Hours != 10 || c.Cost == nil || c.Cost.String() != "0.45" {
		t.Errorf("nat-new %+v (cost %v), want created, 10 hours, 0.45", c, c.Cost)
	}
	// 24 hours x 730 GiB x 0.08 per GB-month / 730 hours = 1.92.
	if c := got["vol-big"]; c.Hours != 24 || c.Cost == nil || c.Cost.String() != "1.92" {
		t.Errorf("vol-big %+v (cost %v), want 24 hours, 1.92", c, c.Cost)
	}
	if ex.Explained.String() != "2.37" {
		t.Errorf("explained %s, want 2.37", ex.Explained)
	}
	excess := a.Days[0].Actual.Sub(a.Days[0].Expected)
	if ex.Unexplained.Cmp(excess.Sub(ex.Explained)) != 0 {
		t.Errorf("unexplained %s, want the excess %s less 2.37", ex.Unexplained, excess)
	}
}

func TestExplainUnpricedAndUncovered(t *testing.T) {
	instance := cloudscope.Resource{Type: cloudscope.EC2, ID: "i-new", Region: "us-east-1", State: "running", CreatedAt: at("2026-12-05T12:00:00Z"),
		EC2: &cloudscope.EC2Details{InstanceType: "m5.large", Platform: "Linux/UNIX", Tenancy: "default"}}
	head := snapshot("s-head", "2026-12-06T06:00:00Z", instance)
	rep := report(map[string][]float64{"us-east-1, Amazon Elastic Compute Cloud - Compute": spikeYesterday()}, 0)

	svc := New(kv.NewMemory(nil), prices(), nil, Options{Now: func() time.Time { return now }})
	res, err := svc.Evaluate(context.Background(), rep, scans{head})
	if err != nil || len(res.Anomalies) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	ex := res.Anomalies[0].Explanation
	if !ex.Covered || ex.Unpriced != 1 || len(ex.Changes) != 1 || ex.Changes[0].Cost != nil || ex.Changes[0].Unpriced == "" || ex.Changes[0].Hours != 12 {
		t.Errorf("an instance launched at noon, its type's price unknown: %+v, want one unpriced change of 12 hours", ex)
	}

	// With its type's on-demand hour known (0.096 USD, the m5.large Linux
	// line in us-east-1 as the recorded Price List record in
	// shared/pricing/testdata/m5_large.json has it): 12 hours x 0.096.
	svc = New(kv.NewMemory(nil), m5Large{}, nil, Options{Now: func() time.Time { return now }})
	res, err = svc.Evaluate(context.Background(), rep, scans{head})
	if err != nil || len(res.Anomalies) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if ex := res.Anomalies[0].Explanation; ex.Unpriced != 0 || len(ex.Changes) != 1 || ex.Changes[0].Cost == nil || ex.Changes[0].Cost.String() != "1.152" || ex.Explained.String() != "1.152" {
		t.Errorf("an instance launched at noon, priced: %+v, want 12 hours x 0.096 = 1.152", ex)
	}

	// Only a scan from before the day: nothing saw what changed.
	old := snapshot("s-old", "2026-12-04T06:00:00Z", instance)
	svc = New(kv.NewMemory(nil), prices(), nil, Options{Now: func() time.Time { return now }})
	res, err = svc.Evaluate(context.Background(), rep, scans{old})
	if err != nil || len(res.Anomalies) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if ex := res.Anomalies[0].Explanation; ex.Covered || ex.Note == "" || len(ex.Changes) != 0 {
		t.Errorf("no scan after the day: %+v, want uncovered with a note", ex)
	}
}

func TestEvaluateStatusAndNotify(t *testing.T) {
	store := kv.NewMemory(nil)
	clock := now
	svc := New(store, prices(), func(context.Context) (string, error) { return "111122223333", nil }, Options{Now: func() time.Time { return clock }})
	ctx := context.Background()

	// Yesterday still Estimated: found, provisional, not notified.
	res, err := svc.Evaluate(ctx, report(map[string][]float64{"us-east-1, EC2 - Other": spikeYesterday()}, 2), nil)
	if err != nil || len(res.Anomalies) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if a := res.Anomalies[0]; !a.Provisional || a.Status != cloudscope.AnomalyNew || len(res.Notify) != 0 {
		t.Errorf("an estimated day: %+v, notify %d; want provisional, new, not notified", a, len(res.Notify))
	}
	// Confirmed later the same day: notified once.
	res, err = svc.Evaluate(ctx, report(map[string][]float64{"us-east-1, EC2 - Other": spikeYesterday()}, 1), nil)
	if err != nil || len(res.Notify) != 1 || res.Notify[0].Provisional || res.Notify[0].Status != cloudscope.AnomalyOngoing {
		t.Fatalf("confirmed: %v %+v", err, res)
	}
	if err := svc.MarkNotified(ctx, res.Notify); err != nil {
		t.Fatal(err)
	}
	res, err = svc.Evaluate(ctx, report(map[string][]float64{"us-east-1, EC2 - Other": spikeYesterday()}, 1), nil)
	if err != nil || len(res.Notify) != 0 || len(res.Anomalies) != 1 || res.Anomalies[0].Notified == nil {
		t.Errorf("after the notification: %v %+v, want nothing more to tell", err, res)
	}

	// The filters of the list.
	for _, tc := range []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 1},
		{"by service, any case", Filter{Service: "ec2 - other"}, 1},
		{"another service", Filter{Service: "AWS Lambda"}, 0},
		{"by status", Filter{Status: cloudscope.AnomalyOngoing}, 1},
		{"another status", Filter{Status: cloudscope.AnomalyResolved}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.List(ctx, tc.f)
			if err != nil || len(got) != tc.want {
				t.Errorf("%v: %d anomalies, want %d", err, len(got), tc.want)
			}
		})
	}
	// Another identity sees none of them.
	other := New(store, nil, func(context.Context) (string, error) { return "444455556666", nil }, Options{Now: func() time.Time { return clock }})
	if got, err := other.List(ctx, Filter{}); err != nil || len(got) != 0 {
		t.Errorf("another identity's list: %v %+v", err, got)
	}
}

func TestEvaluateLevelShiftAlertsOnce(t *testing.T) {
	store := kv.NewMemory(nil)
	clock := now
	svc := New(store, nil, nil, Options{Now: func() time.Time { return clock }})
	ctx := context.Background()
	full := weekly(70, 100, 100, 0.03)
	for i := 60; i < 70; i++ {
		full[i] *= 2
	}
	told := 0
	// Day by day from the shift's first day (today is day d+56 of full)
	// to four days after its third.
	for d := 4; d <= 10; d++ {
		clock = now.AddDate(0, 0, d)
		// The 57 days up to clock's today (today complete enough: 0 under way).
		v := append([]float64(nil), full[d:d+57]...)
		rep := report(map[string][]float64{"us-east-1, Amazon DynamoDB": v}, 0)
		// report() dates from now: shift it to the clock's window.
		q := Query(clock, false)
		start, _ := time.Parse(costquery.DateLayout, q.Start)
		rep.Query = q
		for i := range rep.Periods {
			rep.Periods[i].Start = start.AddDate(0, 0, i).Format(costquery.DateLayout)
			rep.Periods[i].End = start.AddDate(0, 0, i+1).Format(costquery.DateLayout)
		}
		res, err := svc.Evaluate(ctx, rep, nil)
		if err != nil {
			t.Fatal(err)
		}
		told += len(res.Notify)
		if err := svc.MarkNotified(ctx, res.Notify); err != nil {
			t.Fatal(err)
		}
	}
	all, err := svc.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if told != 1 || len(all) != 1 || all[0].Kind != cloudscope.AnomalyLevelShift || all[0].Status != cloudscope.AnomalyResolved {
		t.Errorf("told %d times; stored %+v; want one level shift, told once, resolved", told, all)
	}
}

// m5Large answers only the on-demand hour of an m5.large on Linux, shared
// tenancy, in us-east-1: the amount of the recorded record the pricing
// package's tests read (AmazonEC2 SKU 6C86BEPQVG73ZGGR, 0.096 USD/Hrs).
type m5Large struct{}

func (m5Large) UnitPrice(_ context.Context, region string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	o, _ := cloudscope.EC2OfferOf("Linux/UNIX", "default")
	if region != "us-east-1" || item != cloudscope.PriceEC2Instance("m5.large", o) {
		return cloudscope.UnitPrice{Unavailable: "no price found"}
	}
	a, _ := cloudscope.ParseAmount("0.096")
	return cloudscope.UnitPrice{Amount: a, Unit: "Hrs", Currency: "USD", Source: "AWS Price List AmazonEC2 SKU 6C86BEPQVG73ZGGR", Date: "2021-02-01"}
}
