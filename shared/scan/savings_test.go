package scan

import (
	"context"
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

// quietVolumes answers no I/O at all for every volume, every period of
// the window asked.
type quietVolumes struct{ *account }

func (a quietVolumes) Fetch(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
	res := &metricquery.Result{Region: r.Region, Window: r.Window, Calls: 1}
	for _, t := range r.Targets {
		var pts []cloudscope.Point
		for ts := r.Window.Start; ts.Before(r.Window.End); ts = ts.Add(time.Duration(r.Window.Period) * time.Second) {
			pts = append(pts, cloudscope.Point{T: cloudscope.At(ts), V: 0})
		}
		var series []cloudscope.MetricSeries
		if t.Type == cloudscope.Volume {
			for _, m := range []string{"VolumeReadOps", "VolumeWriteOps"} {
				series = append(series, cloudscope.MetricSeries{Name: m, Period: r.Window.Period, Stats: map[string][]cloudscope.Point{"Sum": pts}})
			}
		}
		res.Resources = append(res.Resources, cloudscope.ResourceMetrics{Type: t.Type, ID: t.ID, HasData: true, Metrics: series})
	}
	return res, nil
}

// A stopped instance's data volume does no I/O: ebs.idle prices deleting
// it, ec2.stopped_volumes_billed prices it with the instance's root. The
// stored snapshot marks the volume's saving covered, and its counts count
// the volume once.
func TestScanCountsEachResourceOnce(t *testing.T) {
	stopped := now.Add(-45 * 24 * time.Hour)
	resources := []cloudscope.Resource{
		{Type: cloudscope.EC2, ID: "i-1", Region: "us-east-1", State: "stopped", EC2: &cloudscope.EC2Details{InstanceType: "m5.large", StoppedAt: &stopped}},
		{Type: cloudscope.Volume, ID: "vol-root", Region: "us-east-1", State: "in-use",
			Volume: &cloudscope.VolumeDetails{VolumeType: "gp3", SizeGB: 8, AttachedTo: []string{"i-1"}, Boot: true}},
		{Type: cloudscope.Volume, ID: "vol-data", Region: "us-east-1", State: "in-use",
			Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", SizeGB: 100, AttachedTo: []string{"i-1"}}},
	}
	prices := pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil))
	acct := quietVolumes{&account{resources: resources}}
	store := memstore.New()
	s := New(Deps{Discovery: acct, Metrics: acct, Thresholds: bottleneck.Defaults, Now: func() time.Time { return now }, Prices: prices, Store: store})
	res, err := s.Run(context.Background(), "scan-once", nil)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.Get(context.Background(), "scan-once")
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]cloudscope.Finding{}
	for _, f := range stored.Findings {
		if f.Savings != nil {
			byRule[f.Rule] = f
		}
	}
	inst, vol := byRule[bottleneck.EC2StoppedBilled], byRule[bottleneck.EBSIdle]
	if len(byRule) != 2 || inst.Savings == nil || vol.Savings == nil {
		t.Fatalf("findings with savings: %d (%v)", len(byRule), stored.Findings)
	}
	// 8 GB gp3 x 0.08 + 100 GB gp2 x 0.10 = 10.64; the data volume alone 10.00.
	if inst.Savings.Monthly.String() != "10.64" || vol.Savings.Monthly.String() != "10.00" {
		t.Errorf("savings %s and %s", inst.Savings.Monthly, vol.Savings.Monthly)
	}
	if vol.Savings.CoveredBy != inst.ID || inst.Savings.CoveredBy != "" {
		t.Errorf("the volume's saving covered by %q, the instance's by %q; want %q and none", vol.Savings.CoveredBy, inst.Savings.CoveredBy, inst.ID)
	}
	for _, c := range []*cloudscope.SnapshotCounts{&stored.Counts, &res.Snapshot.Counts} {
		if sv := c.Savings; sv == nil || sv.Monthly.String() != "10.64" || sv.Priced != 1 || sv.Covered != 1 ||
			sv.ByType[cloudscope.EC2].String() != "10.64" || len(sv.ByRule) != 1 {
			t.Errorf("counts' savings %+v", sv)
		}
	}
}

// attribute renames the findings: a covered saving names its coverer's new id.
func TestAttributeRenamesCovers(t *testing.T) {
	monthly := func(s string) *cloudscope.Amount { a, _ := cloudscope.ParseAmount(s); return &a }
	fs := []cloudscope.Finding{
		{Rule: bottleneck.EBSIdle, ResourceType: cloudscope.Volume, ResourceID: "vol-a", Region: "us-east-1",
			Savings: &cloudscope.Savings{Monthly: monthly("8.00"), Currency: "USD"}},
		{Rule: bottleneck.EC2StoppedBilled, ResourceType: cloudscope.EC2, ResourceID: "i-1", Region: "us-east-1",
			Savings: &cloudscope.Savings{Monthly: monthly("12.00"), Currency: "USD", Resources: []cloudscope.ResourceRef{{Type: cloudscope.EC2, ID: "i-1"}, {Type: cloudscope.Volume, ID: "vol-a"}}}},
	}
	for i := range fs {
		fs[i].ID = findingID(fs[i].Rule, fs[i])
	}
	cloudscope.CoverSavings(fs)
	attribute("111122223333", fs, nil)
	if fs[1].ID != "ec2.stopped_volumes_billed/ec2/111122223333/us-east-1/i-1" || fs[0].Savings.CoveredBy != fs[1].ID {
		t.Errorf("covered by %q, the coverer is %q", fs[0].Savings.CoveredBy, fs[1].ID)
	}
}
