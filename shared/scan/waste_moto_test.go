package scan_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

// TestMotoWasteFindingsAreTheWastefulOnes scans the demo account in the
// emulator, with the Price List's recorded answers (the emulator has none),
// and holds the waste rules' findings to the demo's cases: each wasteful
// one found, its healthy twin not. What the emulator cannot date (a
// snapshot 90 days old, an instance stopped 30 days) must find nothing.
func TestMotoWasteFindingsAreTheWastefulOnes(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	clients := awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{}))
	if _, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf); err != nil {
		t.Fatal(err)
	}
	prices := pricing.New(awsstub.Clients(pricelist.Handler()).Pricing(), memstore.NewPriceCache(nil))
	s := scan.New(scan.Deps{
		Discovery:     discovery.New(discovery.ClientsFrom(clients), discovery.Options{}),
		Metrics:       metrics.New(metrics.ClientsFrom(clients), metrics.Options{NoPercentiles: true}),
		Thresholds:    bottleneck.Defaults,
		Prices:        prices,
		RegionsAtOnce: 1, // the emulator answers one call at a time
	})
	r, err := s.Run(ctx, "waste-1", demo.Regions)
	if err != nil {
		t.Fatal(err)
	}
	snap := r.Snapshot
	name := map[string]string{} // resource id -> the demo's name
	var gp2 []string
	for _, res := range snap.Resources {
		name[res.ID] = cmp.Or(res.Name, res.ID)
		if res.Type == cloudscope.Volume && res.Volume != nil && res.Volume.VolumeType == "gp2" {
			gp2 = append(gp2, name[res.ID])
		}
	}
	got := map[string][]string{} // waste rule -> names
	for _, f := range snap.Findings {
		if _, waste := wasteRules[f.Rule]; !waste {
			continue
		}
		got[f.Rule] = append(got[f.Rule], name[f.ResourceID])
		if f.Savings == nil || (f.Savings.Monthly == nil && f.Savings.Unavailable == "") {
			t.Errorf("%s on %s has neither a saving nor why not: %+v", f.Rule, name[f.ResourceID], f.Savings)
		}
	}
	slices.Sort(gp2)
	// Every gp2 volume of this size costs less as gp3 (the roots, api-eu-data), but
	// orphaned-data is to be deleted: it is not advised a cheaper type too.
	inUse := slices.DeleteFunc(slices.Clone(gp2), func(n string) bool { return n == "orphaned-data" })
	want := map[string][]string{
		bottleneck.EBSUnattached:   {"orphaned-data"},
		bottleneck.EBSGP2ToGP3:     inUse,
		bottleneck.EIPUnassociated: {"old-vpn-ip"},
		bottleneck.NATIdle:         {"nat-staging"},
		bottleneck.LBNoHealthy:     {"staging-alb"},
		bottleneck.DynamoOnDemand:  {"legacy-sessions"},
		// The emulator dates every snapshot and stop now: none is old enough.
		bottleneck.SnapshotOrphaned: nil,
		bottleneck.EC2StoppedBilled: nil,
		bottleneck.LBIdle:           nil, // both serving load balancers have requests every day
	}
	for rule, names := range want {
		g := got[rule]
		slices.Sort(g)
		if !slices.Equal(g, names) {
			t.Errorf("%s found on %v, want %v", rule, g, names)
		}
	}
	for _, n := range got[bottleneck.EBSIdle] {
		if n == "web-1-data" {
			t.Errorf("ebs.idle on the busy volume web-1-data")
		}
	}
	if !slices.Contains(gp2, "api-eu-data") || !slices.Contains(gp2, "orphaned-data") {
		t.Errorf("the demo's gp2 volumes are not in the inventory: %v", gp2)
	}
	t.Logf("waste findings: %v; price calls %d", got, snap.Calls["pricing:GetProducts"])
}

// wasteRules are the rules of issue 15's waste cases.
var wasteRules = map[string]bool{bottleneck.EBSUnattached: true, bottleneck.EBSIdle: true, bottleneck.EBSGP2ToGP3: true,
	bottleneck.SnapshotOrphaned: true, bottleneck.EIPUnassociated: true, bottleneck.NATIdle: true, bottleneck.LBNoHealthy: true,
	bottleneck.LBIdle: true, bottleneck.EC2StoppedBilled: true, bottleneck.DynamoOnDemand: true}
