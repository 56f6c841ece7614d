package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

// wasteful is n of each wasteful case the rules judge from the inventory
// alone, and a NAT gateway whose month the scan reads.
func wasteful(n int) []cloudscope.Resource {
	created := now.Add(-200 * 24 * time.Hour)
	stopped := now.Add(-45 * 24 * time.Hour)
	gone := false
	var out []cloudscope.Resource
	for i := range n {
		id := func(p string) string { return fmt.Sprintf("%s-%05d", p, i) }
		out = append(out,
			cloudscope.Resource{Type: cloudscope.Volume, ID: id("vol"), Region: "us-east-1", State: "available",
				Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", SizeGB: 500, AttachedTo: []string{}}},
			// In use (its I/O undecided): gp3 would serve it for less.
			cloudscope.Resource{Type: cloudscope.Volume, ID: id("vol-gp2"), Region: "us-east-1", State: "in-use",
				Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", SizeGB: 500, AttachedTo: []string{id("i-elsewhere")}}},
			cloudscope.Resource{Type: cloudscope.EC2, ID: id("i"), Region: "us-east-1", State: "stopped",
				EC2: &cloudscope.EC2Details{InstanceType: "m5.large", StoppedAt: &stopped}},
			cloudscope.Resource{Type: cloudscope.Volume, ID: id("vol-root"), Region: "us-east-1", State: "in-use",
				Volume: &cloudscope.VolumeDetails{VolumeType: "gp3", SizeGB: 8, AttachedTo: []string{id("i")}, Boot: true}},
			cloudscope.Resource{Type: cloudscope.VolumeBackup, ID: id("snap"), Region: "us-east-1", CreatedAt: &created,
				VolumeBackup: &cloudscope.VolumeBackupDetails{SizeGB: 20, VolumeExists: &gone, Images: []string{}}},
			cloudscope.Resource{Type: cloudscope.Address, ID: id("eipalloc"), Region: "us-east-1", Address: &cloudscope.AddressDetails{PublicIP: "203.0.113.9"}},
			cloudscope.Resource{Type: cloudscope.LoadBalancer, ID: id("app/lb"), Region: "us-east-1", State: "active", CreatedAt: &created,
				LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: "application", Targets: 2}},
			cloudscope.Resource{Type: cloudscope.NATGateway, ID: id("nat"), Region: "us-east-1", State: "available", NATGateway: &cloudscope.NATGatewayDetails{}},
		)
	}
	return out
}

// natMonth answers a NAT gateway's byte counts, zero every day, over the
// window asked; it records the windows asked.
type natMonth struct {
	*account
	windows map[cloudscope.ResourceType]metricquery.Grid
}

func (a *natMonth) Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
	res := &metricquery.Result{Region: r.Region, Window: r.Window, Calls: 1}
	for _, t := range r.Targets {
		a.windows[t.Type] = r.Window
		var series []cloudscope.MetricSeries
		if t.Type == cloudscope.NATGateway {
			for _, m := range []string{"BytesOutToDestination", "BytesOutToSource", "BytesInFromSource", "BytesInFromDestination"} {
				var pts []cloudscope.Point
				for ts := r.Window.Start; ts.Before(r.Window.End); ts = ts.Add(time.Duration(r.Window.Period) * time.Second) {
					pts = append(pts, cloudscope.Point{T: cloudscope.At(ts), V: 0})
				}
				series = append(series, cloudscope.MetricSeries{Name: m, Period: r.Window.Period, Stats: map[string][]cloudscope.Point{"Sum": pts}})
			}
		}
		res.Resources = append(res.Resources, cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, HasData: true, Metrics: series})
	}
	return res, nil
}

// pricedScan scans resources with a Price List client over the stub and
// cache, and returns the snapshot and the GetProducts calls it made.
func pricedScan(t testing.TB, resources []cloudscope.Resource, cache pricing.PriceCache) (*cloudscope.Snapshot, int, *natMonth) {
	t.Helper()
	var calls awsstub.Counter
	prices := pricing.New(pricingclient.Global(awsstub.Clients(calls.Wrap(pricelist.Handler()))), cache)
	acct := &natMonth{account: &account{resources: resources}, windows: map[cloudscope.ResourceType]metricquery.Grid{}}
	s := New(Deps{Discovery: acct, Metrics: acct, Costs: acct.account, Thresholds: bottleneck.Defaults, Now: func() time.Time { return now }, Prices: prices})
	snap, err := s.Evaluate(context.Background(), "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Calls["pricing:GetProducts"] != calls.Count("Pricing.GetProducts") {
		t.Errorf("the snapshot counts %d price calls, the stub saw %d", snap.Calls["pricing:GetProducts"], calls.Count("Pricing.GetProducts"))
	}
	return snap, calls.Count("Pricing.GetProducts"), acct
}

func TestScanPricesWasteAndASecondScanAsksNoPrice(t *testing.T) {
	cache := memstore.NewPriceCache(nil)
	snap, first, acct := pricedScan(t, wasteful(3), cache)
	want := map[string]string{ // rule -> monthly saving of each
		"ebs.unattached": "50.00", "ebs.gp2_to_gp3": "5.00", "ebs-snapshot.orphaned": "1.00", "eip.unassociated": "3.65",
		"elb.no_healthy_targets": "16.425", "nat.idle": "36.50", "ec2.stopped_volumes_billed": "0.64", // nat: 730 x 0.045 + its public IPv4 address 730 x 0.005
	}
	got := map[string]int{}
	for _, f := range snap.Findings {
		if f.Savings == nil {
			continue
		}
		got[f.Rule]++
		if w, ok := want[f.Rule]; ok && (f.Savings.Monthly == nil || f.Savings.Monthly.String() != w) {
			t.Errorf("%s: saving %+v, want %s", f.ID, f.Savings, w)
		}
	}
	for rule := range want {
		if got[rule] != 3 {
			t.Errorf("%s: %d findings with savings, want 3", rule, got[rule])
		}
	}
	for _, f := range snap.Findings {
		if f.Rule == bottleneck.EBSGP2ToGP3 && strings.HasPrefix(f.ResourceID, "vol-0") {
			t.Errorf("gp2 -> gp3 advised for %s, an unattached volume to delete", f.ResourceID)
		}
	}
	if w := acct.windows[cloudscope.NATGateway]; w.Period != 86400 || w.End.Sub(w.Start) != 30*24*time.Hour {
		t.Errorf("NAT gateways read over %v at %d s; want their rule's 30 days, daily", w.End.Sub(w.Start), w.Period)
	}
	if first == 0 || first > 3*len(want) {
		t.Errorf("first scan: %d price calls for %d findings", first, len(snap.Findings))
	}
	snap2, second, _ := pricedScan(t, wasteful(3), cache)
	if second != 0 || len(snap2.Findings) != len(snap.Findings) {
		t.Errorf("second scan: %d price calls (want 0), %d findings (want %d)", second, len(snap2.Findings), len(snap.Findings))
	}
	t.Logf("price calls: first scan %d, second scan %d (%d findings with savings)", first, second, len(snap.Findings))
}

func TestScanInAPartitionWithoutPrices(t *testing.T) {
	rs := wasteful(1)
	for i := range rs {
		rs[i].Region = "cn-north-1"
	}
	snap, calls, _ := pricedScan(t, rs, nil)
	if calls != 0 {
		t.Errorf("%d price calls for cn-north-1", calls)
	}
	for _, f := range snap.Findings {
		if f.Savings != nil && (f.Savings.Monthly != nil || !strings.Contains(f.Savings.Unavailable, "aws-cn partition")) {
			t.Errorf("%s: %+v", f.ID, f.Savings)
		}
	}
}

// BenchmarkScanPriceCalls counts the Price List calls of a first and a
// second scan of 1,000 of each wasteful case (7,000 resources) in
// us-east-1, the cache shared between them.
func BenchmarkScanPriceCalls(b *testing.B) {
	rs := wasteful(1000)
	for range b.N {
		cache := memstore.NewPriceCache(nil)
		snap, first, _ := pricedScan(b, rs, cache)
		_, second, _ := pricedScan(b, rs, cache)
		b.ReportMetric(float64(first), "price-calls-first-scan")
		b.ReportMetric(float64(second), "price-calls-second-scan")
		b.ReportMetric(float64(len(snap.Findings)), "findings")
	}
}
