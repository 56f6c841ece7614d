package bill

import (
	"encoding/json"
	"testing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

func amount(t *testing.T, s string) cloudscope.Amount {
	t.Helper()
	a, err := cloudscope.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func find(b *cloudscope.Bill, api string) *cloudscope.BillItem {
	for i := range b.Items {
		if b.Items[i].API == api {
			return &b.Items[i]
		}
	}
	return nil
}

// TestOfScan: Cost Explorer billed per page, GetMetricData per metric
// requested (not per call), the rest counted as free; exact decimals.
func TestOfScan(t *testing.T) {
	b := OfScan(map[string]int{"discovery": 25, CostExplorer: 3, GetMetricData: 134, PriceList: 7},
		map[string]int64{GetMetricData: 40000})
	want := map[string]struct {
		calls, units int64
		unit, price  string
		charge       string
	}{
		"discovery":   {25, 25, "request", "0.00", "0.00"},
		CostExplorer:  {3, 3, "request", "0.01", "0.03"},
		GetMetricData: {134, 40000, "metric", "0.00001", "0.40"},
		PriceList:     {7, 7, "request", "0.00", "0.00"},
	}
	if len(b.Items) != len(want) {
		t.Fatalf("%d items, want %d: %+v", len(b.Items), len(want), b.Items)
	}
	for api, w := range want {
		it := find(b, api)
		if it == nil {
			t.Fatalf("no item for %s", api)
		}
		if it.Calls != w.calls || it.Units != w.units || it.Unit != w.unit || it.UnitPrice.String() != w.price || it.Charge.String() != w.charge {
			t.Errorf("%s: %+v (price %s, charge %s), want %+v", api, it, it.UnitPrice, it.Charge, w)
		}
	}
	if b.Total.String() != "0.43" || b.Currency != "USD" || b.PriceDate == "" || b.Source == "" {
		t.Errorf("total %s %s, date %q, source %q", b.Total, b.Currency, b.PriceDate, b.Source)
	}
	// A cached cost summary made no request: it costs nothing.
	if b := OfScan(map[string]int{CostExplorer: 0}, nil); !b.Total.IsZero() {
		t.Errorf("no request billed %s", b.Total)
	}
	// Exact: 1 metric is 0.00001, not a float's neighbour.
	if b := OfScan(map[string]int{GetMetricData: 1}, map[string]int64{GetMetricData: 1}); b.Total.Cmp(amount(t, "0.00001")) != 0 {
		t.Errorf("1 metric billed %s", b.Total)
	}
}

// TestModelIsLinearInResources: metrics scale with resources, Cost
// Explorer pages do not; a sharded scan adds transitions and invocations.
func TestModelIsLinearInResources(t *testing.T) {
	r := Rates{MetricsPerResource: 5.5, FreeCallsPerResource: 0.01, CostExplorerPages: 1, LambdaGBSecondsPerResource: 0.002, LambdaGBSecondsFixed: 1}
	small, err := Model(Scale{Resources: 100, Accounts: 1, Regions: 4, CostViewsPerDay: 2}, r)
	if err != nil {
		t.Fatal(err)
	}
	big, _ := Model(Scale{Resources: 1000000, Accounts: 1, Regions: 4, CostViewsPerDay: 2}, r)
	if s, b := find(small, GetMetricData), find(big, GetMetricData); s.Units != 550 || b.Units != 5500000 || b.Charge.String() != "55.00" {
		t.Errorf("metrics: %d and %d (%s USD), want 550 and 5,500,000 (55.00 USD)", s.Units, b.Units, b.Charge)
	}
	// One page for the scan, and 2 views x 4 cache lifetimes a day.
	if s, b := find(small, CostExplorer), find(big, CostExplorer); s.Units != 9 || b.Units != 9 {
		t.Errorf("Cost Explorer: %d and %d requests, want 9 at any size", s.Units, b.Units)
	}
	if find(big, StateTransitions) != nil {
		t.Error("a single scan function has no state transitions")
	}
	// 1,000 accounts x 17 regions.
	org, _ := Model(Scale{Resources: 1000000, Accounts: 1000, Regions: 17, Shards: 17000}, r)
	if tr := find(org, StateTransitions); tr == nil || tr.Units != 6+3*17000 || tr.Charge.String() != "1.27515" {
		t.Errorf("transitions: %+v", tr)
	}
	if inv := find(org, LambdaRequests); inv.Units != 17002 {
		t.Errorf("%d invocations, want plan + 17,000 shards + finalize", inv.Units)
	}
	if gbs := find(org, LambdaCompute); gbs.Units != 17002+2000 {
		t.Errorf("%d GB-seconds, want %d", gbs.Units, 17002+2000)
	}
	if _, err := Model(Scale{Resources: -1}, r); cloudscope.CodeOf(err) != cloudscope.CodeInvalid {
		t.Errorf("negative resources: %v", err)
	}
}

// TestPricesParse: every price in the table is an exact decimal.
func TestPricesParse(t *testing.T) {
	for api, p := range Prices {
		if _, err := cloudscope.ParseAmount(p.Amount); err != nil || p.Per <= 0 || p.Unit == "" {
			t.Errorf("%s: %+v %v", api, p, err)
		}
	}
	if p, _ := unitPrice(LambdaCompute); p.String() != "0.0000133334" {
		t.Errorf("Lambda arm64 GB-second: %s", p)
	}
}

// TestBillRoundTripsInJSON: stores keep the header as JSON; the bill comes
// back with every digit.
func TestBillRoundTripsInJSON(t *testing.T) {
	b := OfScan(map[string]int{CostExplorer: 2, GetMetricData: 1}, map[string]int64{GetMetricData: 7})
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var back cloudscope.Bill
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Total.Cmp(b.Total) != 0 || back.Total.String() != "0.02007" || len(back.Items) != 2 || back.Items[1].UnitPrice.String() != "0.00001" {
		t.Errorf("%s -> %+v", raw, back)
	}
}
