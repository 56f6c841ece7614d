package bottleneck

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

// priceTable answers the prices it holds; an item it lacks has no price.
type priceTable map[cloudscope.PriceItem][2]string // item -> amount, unit

func (p priceTable) UnitPrice(region string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	v, ok := p[item]
	if !ok {
		return cloudscope.UnitPrice{Unavailable: "no price found"}
	}
	a, err := cloudscope.ParseAmount(v[0])
	if err != nil {
		panic(err)
	}
	return cloudscope.UnitPrice{Amount: a, Unit: v[1], Currency: "USD", Source: "test " + string(item), Date: "2026-11-01"}
}

// priceList prices through the Price List client (shared/pricing) asking
// the test Price List (shared/testkit/pricelist): the recorded records of
// the products that have one (gp2, snapshots, load balancers), hand-written
// records of the others; then table, for what no record answers.
type priceList struct {
	c     *pricing.Client
	table priceTable
}

func (p priceList) UnitPrice(region string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	if _, ok := p.table[item]; ok {
		return p.table.UnitPrice(region, item)
	}
	return p.c.UnitPrice(context.Background(), region, item)
}

// usEast1 are the prices of the rule tests.
var usEast1 = priceList{c: pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil)), table: priceTable{
	// Standard-IA capacity in us-east-1 (AWS's DynamoDB pricing page): no
	// record, recorded or hand-written, has them.
	cloudscope.PriceDynamoIARCU:     {"0.00016", "ReadCapacityUnit-Hrs"},
	cloudscope.PriceDynamoIAWCU:     {"0.0008", "WriteCapacityUnit-Hrs"},
	cloudscope.PriceDynamoIAReadRU:  {"0.000000155", "ReadRequestUnits"},
	cloudscope.PriceDynamoIAWriteRU: {"0.00000078", "WriteRequestUnits"},
}}

func volume(id, typ string, sizeGB int32, attachedTo ...string) cloudscope.Resource {
	state := "in-use"
	if len(attachedTo) == 0 {
		state = "available"
	}
	return cloudscope.Resource{Type: cloudscope.Volume, ID: id, Region: "us-east-1", State: state,
		Volume: &cloudscope.VolumeDetails{VolumeType: typ, SizeGB: sizeGB, AttachedTo: attachedTo}}
}

func daysAgo(d float64) *time.Time {
	t := now.Add(-time.Duration(d * 24 * float64(time.Hour)))
	return &t
}

// dailyInput is r with daily series (one point a day for n days, ending a
// day before now) of every metric named, each with value(i).
func dailyInput(r cloudscope.Resource, n int, metrics []string, value func(i int) float64) Input {
	rm := &cloudscope.ResourceMetrics{Type: r.Type, ID: r.ID}
	for _, m := range metrics {
		var pts []cloudscope.Point
		for i := range n {
			pts = append(pts, cloudscope.Point{T: cloudscope.At(now.Add(-time.Duration(n-i) * 24 * time.Hour)), V: value(i)})
		}
		rm.Metrics = append(rm.Metrics, cloudscope.MetricSeries{Name: m, Period: 86400, Stats: map[string][]cloudscope.Point{"Sum": pts}})
	}
	return Input{Resource: r, Metrics: rm}
}

// judged evaluates inputs with prices and returns "rule:severity" and
// "rule:insufficient" of the resource id, and its findings by rule.
func judged(prices Prices, id string, inputs ...Input) (string, map[string]cloudscope.Finding) {
	res := Evaluate(inputs, Defaults, cloudscope.Window{Start: now.Add(-14 * 24 * time.Hour), End: now}, now, prices)
	var out []string
	byRule := map[string]cloudscope.Finding{}
	for _, f := range res.Findings {
		if f.ResourceID == id {
			out = append(out, f.Rule+":"+string(f.Severity))
			byRule[f.Rule] = f
		}
	}
	for _, i := range res.Insufficient {
		if i.ResourceID == id {
			out = append(out, i.Rule+":insufficient")
		}
	}
	return strings.Join(out, " "), byRule
}

func TestWasteRules(t *testing.T) {
	days14 := 14 * 24
	bootVol := volume("vol-boot", "gp3", 8, "i-1")
	bootVol.Volume.Boot = true
	oldSnap := func(age float64, exists bool, images ...string) cloudscope.Resource {
		return cloudscope.Resource{Type: cloudscope.VolumeBackup, ID: "snap-1", Region: "us-east-1", State: "completed", CreatedAt: daysAgo(age),
			VolumeBackup: &cloudscope.VolumeBackupDetails{VolumeID: "vol-gone", SizeGB: 100, StorageTier: "standard", VolumeExists: &exists, Images: images}}
	}
	unknownVolume := oldSnap(200, false)
	unknownVolume.VolumeBackup.VolumeExists = nil
	eip := func(assoc string) cloudscope.Resource {
		return cloudscope.Resource{Type: cloudscope.Address, ID: "eipalloc-1", Region: "us-east-1", Address: &cloudscope.AddressDetails{PublicIP: "203.0.113.7", AssociationID: assoc}}
	}
	nat := cloudscope.Resource{Type: cloudscope.NATGateway, ID: "nat-1", Region: "us-east-1", State: "available", NATGateway: &cloudscope.NATGatewayDetails{}}
	lb := func(kind string, targets, healthy int, age float64) cloudscope.Resource {
		return cloudscope.Resource{Type: cloudscope.LoadBalancer, ID: "lb-1", Region: "us-east-1", State: "active", CreatedAt: daysAgo(age),
			LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: kind, Targets: targets, HealthyTargets: healthy}}
	}
	internetFacing := func(r cloudscope.Resource, zones int) cloudscope.Resource {
		r.LoadBalancer.Scheme, r.LoadBalancer.Zones = "internet-facing", zones
		return r
	}
	// perDay requests on each UTC day: the hourly point at midnight carries them (now is noon).
	perDay := func(n float64) func(int) float64 {
		return func(i int) float64 { return map[bool]float64{true: n, false: 0}[i%24 == 12] }
	}
	table := func(rcu, wcu int64) cloudscope.Resource {
		return cloudscope.Resource{Type: cloudscope.Table, ID: "orders", Region: "us-east-1", State: "ACTIVE",
			Table: &cloudscope.TableDetails{BillingMode: "PROVISIONED", ReadCapacityUnits: rcu, WriteCapacityUnits: wcu}}
	}
	tableClass := func(r cloudscope.Resource, class string, indexRCU, indexWCU int64) cloudscope.Resource {
		r.Table.TableClass, r.Table.IndexReadCapacityUnits, r.Table.IndexWriteCapacityUnits = class, indexRCU, indexWCU
		return r
	}
	natMetricsIn := func(n int, v float64) Input {
		return dailyInput(nat, n, natMetrics, func(int) float64 { return v })
	}

	for _, tc := range []struct {
		name, id string
		in       Input
		want     string
		monthly  string // the saving of the first finding, "" for none
	}{
		{"unattached volume", "vol-1", Input{Resource: volume("vol-1", "gp3", 500)}, "ebs.unattached:warning", "40.00"},
		{"attached volume without metrics is undecided, never idle", "vol-1", Input{Resource: volume("vol-1", "gp3", 500, "i-1")}, "ebs.idle:insufficient", ""},
		{"boot volume is never idle", "vol-boot", input(bootVol, series{"VolumeReadOps/Sum": hourly(days14, flat(0)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "", ""},
		{"volume just under 1 IOPS every day is idle", "vol-1", input(volume("vol-1", "gp3", 100, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(3599)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "ebs.idle:warning", "8.00"},
		{"volume at exactly 1 IOPS is not idle", "vol-1", input(volume("vol-1", "gp3", 100, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(1800)), "VolumeWriteOps/Sum": hourly(days14, flat(1800))}), "", ""},
		{"volume above 1 IOPS is not idle", "vol-1", input(volume("vol-1", "gp3", 100, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(3601)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "", ""},
		{"volume measured 5 of 7 days is undecided", "vol-1", input(volume("vol-1", "gp3", 100, "i-1"), series{
			"VolumeReadOps/Sum": hourly(5*24, flat(0)), "VolumeWriteOps/Sum": hourly(5*24, flat(0))}), "ebs.idle:insufficient", ""},
		{"gp2 500 GB: gp3 with 125 MB/s more", "vol-1", input(volume("vol-1", "gp2", 500, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(1e6)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "ebs.gp2_to_gp3:info", "5.00"},
		{"gp2 170 GB keeps 128 MB/s", "vol-1", input(volume("vol-1", "gp2", 170, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(1e6)), "VolumeWriteOps/Sum": hourly(days14, flat(1e6))}), "ebs.gp2_to_gp3:info", "3.28"},
		{"gp2 1000 GB is exactly gp3's 3000 IOPS", "vol-1", input(volume("vol-1", "gp2", 1000, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(1e6)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "ebs.gp2_to_gp3:info", "15.00"},
		{"gp2 1001 GB needs 3 paid IOPS on gp3", "vol-1", input(volume("vol-1", "gp2", 1001, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(1e6)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "ebs.gp2_to_gp3:info", "15.005"},
		{"gp2 at 16000 IOPS (5334 GB)", "vol-1", input(volume("vol-1", "gp2", 5334, "i-1"), series{
			"VolumeReadOps/Sum": hourly(days14, flat(1e6)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}), "ebs.gp2_to_gp3:info", "36.68"},
		{"snapshot 89 days old is kept", "snap-1", Input{Resource: oldSnap(89, false)}, "", ""},
		{"snapshot exactly 90 days old is kept", "snap-1", Input{Resource: oldSnap(90, false)}, "", ""},
		{"snapshot 91 days old of a gone volume", "snap-1", Input{Resource: oldSnap(91, false)}, "ebs-snapshot.orphaned:info", "5.00"},
		{"old snapshot whose volume exists is kept", "snap-1", Input{Resource: oldSnap(200, true)}, "", ""},
		{"old snapshot an AMI uses is kept", "snap-1", Input{Resource: oldSnap(200, false, "ami-1")}, "", ""},
		{"old snapshot of a volume not known gone is kept", "snap-1", Input{Resource: unknownVolume}, "", ""},
		{"unassociated address", "eipalloc-1", Input{Resource: eip("")}, "eip.unassociated:warning", "3.65"},
		{"associated address", "eipalloc-1", Input{Resource: eip("eipassoc-1")}, "", ""},
		// 730 hours x 0.045, and its public IPv4 address 730 x 0.005.
		{"NAT gateway without a byte in 30 days", "nat-1", natMetricsIn(30, 0), "nat.idle:warning", "36.50"},
		{"NAT gateway with one byte", "nat-1", natMetricsIn(30, 1), "", ""},
		{"NAT gateway measured 24 of 30 days (80%) is decided", "nat-1", natMetricsIn(24, 0), "nat.idle:warning", "36.50"},
		{"NAT gateway measured 23 of 30 days is undecided", "nat-1", natMetricsIn(23, 0), "nat.idle:insufficient", ""},
		{"NAT gateway without metrics is undecided", "nat-1", Input{Resource: nat}, "nat.idle:insufficient", ""},
		{"load balancer without healthy targets", "lb-1", Input{Resource: lb("application", 2, 0, 60)}, "elb.no_healthy_targets:warning", "16.425"},
		// 730 x 0.0225, and 2 public IPv4 addresses x 730 x 0.005.
		{"internet-facing load balancer in 2 zones without healthy targets", "lb-1", Input{Resource: internetFacing(lb("application", 2, 0, 60), 2)}, "elb.no_healthy_targets:warning", "23.725"},
		{"classic load balancer without instances", "lb-1", Input{Resource: lb("classic", 0, 0, 60)}, "elb.no_healthy_targets:warning", "18.25"},
		{"load balancer with 99 requests a day", "lb-1", input(lb("application", 2, 2, 60), series{"RequestCount/Sum": hourly(days14, perDay(99))}), "elb.idle:warning", "16.425"},
		{"load balancer with 100 requests a day", "lb-1", input(lb("application", 2, 2, 60), series{"RequestCount/Sum": hourly(days14, perDay(100))}), "", ""},
		{"load balancer with 101 requests a day", "lb-1", input(lb("application", 2, 2, 60), series{"RequestCount/Sum": hourly(days14, perDay(101))}), "", ""},
		{"load balancer without a request point had no requests", "lb-1", input(lb("network", 2, 2, 60), series{"NewFlowCount/Sum": nil}), "elb.idle:warning", "16.425"},
		{"load balancer 3 days old is undecided", "lb-1", input(lb("application", 2, 2, 3), series{"RequestCount/Sum": nil}), "elb.idle:insufficient", ""},
		{"load balancer whose metrics were not read is undecided", "lb-1", Input{Resource: lb("application", 2, 2, 60)}, "elb.idle:insufficient", ""},
		// 90 RCU provisioned cost 90 x 730 x 0.00013 = 8.541 USD a month; on
		// demand, 26 units a second cost 26 x 2,628,000 x 0.000000125 as much.
		{"provisioned table used 26 units/s of 90 RCU: on-demand costs the same", "orders", input(table(90, 0), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(26*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(0))}), "", ""},
		{"provisioned table just under the break-even", "orders", input(table(90, 0), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(25.99*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(0))}),
			"dynamodb.on_demand_cheaper:info", "0.003285"},
		{"provisioned table just over the break-even", "orders", input(table(90, 0), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(26.01*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(0))}), "", ""},
		{"provisioned table 5% used", "orders", input(table(100, 100), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(5*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(5*3600))}),
			"dynamodb.on_demand_cheaper:info", "47.085"},
		// Standard-IA: 73000 x 0.00016 + 73000 x 0.0008 - (13140000 x 0.000000155 + 13140000 x 0.00000078).
		{"Standard-IA table 5% used, at its class's prices", "orders", input(tableClass(table(100, 100), "STANDARD_INFREQUENT_ACCESS", 0, 0), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(5*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(5*3600))}),
			"dynamodb.on_demand_cheaper:info", "57.7941"},
		// Its index's 1 RCU and 1 WCU: 730 RCU-hours and 730 WCU-hours more
		// provisioned, at most 2628000 read and write units more on demand.
		{"provisioned table 5% used with an index", "orders", input(tableClass(table(100, 100), "STANDARD", 1, 1), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(5*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(5*3600))}),
			"dynamodb.on_demand_cheaper:info", "45.6834"},
		{"provisioned table 5% used with a large index: on demand could cost more", "orders", input(tableClass(table(100, 100), "STANDARD", 100, 100), series{
			"ConsumedReadCapacityUnits/Sum": hourly(days14, flat(5*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(days14, flat(5*3600))}), "", ""},
		{"provisioned table with 20 hours of data is undecided", "orders", input(table(100, 100), series{
			"ConsumedReadCapacityUnits/Sum": hourly(20, flat(0)), "ConsumedWriteCapacityUnits/Sum": hourly(20, flat(0))}), "dynamodb.on_demand_cheaper:insufficient", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, byRule := judged(usEast1, tc.id, tc.in)
			if got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
			if tc.want == "" || strings.HasSuffix(tc.want, ":insufficient") {
				return
			}
			f := byRule[strings.Split(tc.want, ":")[0]]
			s := f.Savings
			if s == nil || s.Monthly == nil || s.Unavailable != "" {
				t.Fatalf("no saving: %+v", s)
			}
			if s.Monthly.String() != tc.monthly || s.Currency != "USD" || s.PriceSource == "" || s.PriceDate == "" || s.Estimate == "" {
				t.Errorf("saving %s, want %s: %+v", s.Monthly, tc.monthly, s)
			}
			if f.Threshold.Source == "" || f.Recommendation == "" || len(f.Observed) == 0 || f.Evidence == nil || !strings.HasPrefix(f.ID, f.Rule+"/") {
				t.Errorf("incomplete finding %+v", f)
			}
		})
	}
}

func TestRuleSavingsArePricedFromRecordedRecords(t *testing.T) {
	gone := false
	lb := func(kind string) cloudscope.Resource {
		return cloudscope.Resource{Type: cloudscope.LoadBalancer, ID: "lb-1", Region: "us-east-1", State: "active", CreatedAt: daysAgo(60),
			LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: kind, Scheme: "internal", Targets: 2}}
	}
	for _, tc := range []struct {
		name, id, rule string
		r              cloudscope.Resource
		monthly, sku   string
		date           string
	}{
		{"an unattached 500 GB gp2 volume", "vol-1", EBSUnattached, volume("vol-1", "gp2", 500), "50.00", "HY3BZPP2B6K8MSJF", "2019-02-01"},
		{"a 100 GB snapshot of a gone volume", "snap-1", SnapshotOrphaned, cloudscope.Resource{Type: cloudscope.VolumeBackup, ID: "snap-1", Region: "us-east-1",
			State: "completed", CreatedAt: daysAgo(200), VolumeBackup: &cloudscope.VolumeBackupDetails{VolumeID: "vol-gone", SizeGB: 100, StorageTier: "standard", VolumeExists: &gone}},
			"5.00", "7U7TWP44UP36AT3R", "2017-07-01"},
		{"an application load balancer without healthy targets", "lb-1", LBNoHealthy, lb("application"), "16.425", "37CUWUT8GSNQEPUV", "2022-12-01"},
		{"a network load balancer without healthy targets", "lb-1", LBNoHealthy, lb("network"), "16.425", "YKBGGP5EBGDU9T5W", "2022-12-01"},
		{"a classic load balancer without healthy targets", "lb-1", LBNoHealthy, lb("classic"), "18.25", "6XT9C7FFNQ3T39YK", "2022-12-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, byRule := judged(usEast1, tc.id, Input{Resource: tc.r})
			s := byRule[tc.rule].Savings
			if s == nil || s.Monthly == nil || s.Monthly.String() != tc.monthly || !strings.Contains(s.PriceSource, "SKU "+tc.sku+",") || s.PriceDate != tc.date {
				t.Errorf("%s: %+v, want %s USD/month from SKU %s of %s", tc.rule, s, tc.monthly, tc.sku, tc.date)
			}
		})
	}
}

func TestSavingsEstimatesInWords(t *testing.T) {
	// Attached, with no metrics read: undecided as to idleness, worth gp3.
	_, gp2 := judged(usEast1, "vol-1", Input{Resource: volume("vol-1", "gp2", 500, "i-1")})
	if got, want := gp2[EBSGP2ToGP3].Savings.Estimate,
		"gp2 -> gp3, 500 GB x 0.10 USD/GB-month - 500 GB x 0.08 USD/GB-month - 125 MiB/s above 125 x 0.04 USD/MiB/s-month = 5.00 USD/month"; got != want {
		t.Errorf("gp2 estimate\n got %s\nwant %s", got, want)
	}
	if s := gp2[EBSGP2ToGP3].Savings; s.Quantity.String() != "500.00" || s.UnitPrice.String() != "0.02" || s.Unit != "GB-month" {
		t.Errorf("gp2 quantity and unit price: %s %s %s", s.Quantity, s.UnitPrice, s.Unit)
	}
	_, unattached := judged(usEast1, "vol-1", Input{Resource: volume("vol-1", "gp2", 500)})
	if got, want := unattached[EBSUnattached].Savings.Estimate, "delete the volume, 500 GB x 0.10 USD/GB-month = 50.00 USD/month"; got != want {
		t.Errorf("unattached estimate\n got %s\nwant %s", got, want)
	}
	_, table := judged(usEast1, "orders", input(cloudscope.Resource{Type: cloudscope.Table, ID: "orders", Region: "us-east-1",
		Table: &cloudscope.TableDetails{BillingMode: "PROVISIONED", ReadCapacityUnits: 100, WriteCapacityUnits: 100}},
		series{"ConsumedReadCapacityUnits/Sum": hourly(14*24, flat(5*3600)), "ConsumedWriteCapacityUnits/Sum": hourly(14*24, flat(5*3600))}))
	if got, want := table[DynamoOnDemand].Savings.Estimate, "provisioned -> on-demand, (73000 RCU-hours x 0.00013 USD/RCU-hour + 73000 WCU-hours x 0.00065 USD/WCU-hour)"+
		" - (13140000 read request units x 0.000000125 USD/read request unit + 13140000 write request units x 0.000000625 USD/write request unit) = 47.09 USD/month"; got != want {
		t.Errorf("table estimate\n got %s\nwant %s", got, want)
	}
	_, eip := judged(usEast1, "eipalloc-1", Input{Resource: cloudscope.Resource{Type: cloudscope.Address, ID: "eipalloc-1", Region: "us-east-1", Address: &cloudscope.AddressDetails{PublicIP: "203.0.113.7"}}})
	if got, want := eip[EIPUnassociated].Savings.Estimate, "release the address, 730 hours x 0.005 USD/hour = 3.65 USD/month"; got != want {
		t.Errorf("eip estimate\n got %s\nwant %s", got, want)
	}
}

func TestStoppedInstanceWithBilledVolumes(t *testing.T) {
	inst := func(stoppedDays float64) cloudscope.Resource {
		r := ec2("m5.large", "stopped")
		r.EC2.StoppedAt = daysAgo(stoppedDays)
		return r
	}
	gp3 := volume("vol-b", "gp3", 50, "i-0123456789abcdef0")
	gp3.Volume.IOPS = 4000
	vols := []Input{{Resource: volume("vol-a", "gp3", 100, "i-0123456789abcdef0")}, {Resource: gp3}, {Resource: volume("vol-other", "gp3", 100, "i-other")}}
	for _, tc := range []struct {
		days float64
		vols []Input
		want string
	}{
		{29, vols, ""}, {30, vols, ""}, {31, vols, "17.00"}, {90, nil, ""},
	} {
		_, byRule := judged(usEast1, "i-0123456789abcdef0", append([]Input{{Resource: inst(tc.days)}}, tc.vols...)...)
		f, ok := byRule[EC2StoppedBilled]
		if !ok {
			if tc.want != "" {
				t.Errorf("stopped %v days: no finding", tc.days)
			}
			continue
		}
		if tc.want == "" {
			t.Errorf("stopped %v days: %s", tc.days, f.Title)
			continue
		}
		// vol-a 100 GB x 0.08 = 8; vol-b 50 GB x 0.08 + 1000 IOPS x 0.005 = 9; vol-other is another instance's.
		if f.Savings.Monthly.String() != "17.00" || f.Savings.Quantity.String() != "150.00" || !strings.Contains(f.Recommendation, "vol-a, vol-b") {
			t.Errorf("stopped %v days: %+v %s", tc.days, f.Savings, f.Recommendation)
		}
	}
}

// A stopped instance's Elastic IP bills as an idle public IPv4 address.
func TestStoppedInstanceWithAnElasticIP(t *testing.T) {
	inst := ec2("m5.large", "stopped")
	inst.EC2.StoppedAt = daysAgo(40)
	eip := cloudscope.Resource{Type: cloudscope.Address, ID: "eipalloc-1", Region: "us-east-1",
		Address: &cloudscope.AddressDetails{PublicIP: "203.0.113.7", AssociationID: "eipassoc-1", InstanceID: inst.ID}}
	_, byRule := judged(usEast1, inst.ID, Input{Resource: inst}, Input{Resource: volume("vol-a", "gp3", 100, inst.ID)}, Input{Resource: eip})
	f, ok := byRule[EC2StoppedBilled]
	// 100 GB x 0.08 = 8, and 730 hours x 0.005 = 3.65.
	if !ok || f.Savings.Monthly == nil || f.Savings.Monthly.String() != "11.65" || !strings.Contains(f.Savings.Estimate, "730 hours of Elastic IP 203.0.113.7 x 0.005 USD/hour") ||
		!strings.Contains(f.Recommendation, "203.0.113.7") {
		t.Errorf("stopped instance with an Elastic IP: %+v", f)
	}
}

func TestMissingPricesAreSaidNeverGuessed(t *testing.T) {
	_, byRule := judged(priceTable{}, "eipalloc-1", Input{Resource: cloudscope.Resource{Type: cloudscope.Address, ID: "eipalloc-1", Region: "cn-north-1",
		Address: &cloudscope.AddressDetails{PublicIP: "203.0.113.7"}}})
	s := byRule[EIPUnassociated].Savings
	if s == nil || s.Monthly != nil || !strings.Contains(s.Unavailable, "no price found") || !strings.Contains(s.Unavailable, "cn-north-1") {
		t.Errorf("savings without a price: %+v", s)
	}
	// An archived snapshot's price is not in the table: said, not guessed.
	exists := false
	snap := cloudscope.Resource{Type: cloudscope.VolumeBackup, ID: "snap-1", Region: "us-east-1", CreatedAt: daysAgo(400),
		VolumeBackup: &cloudscope.VolumeBackupDetails{SizeGB: 10, StorageTier: "archive", VolumeExists: &exists}}
	_, byRule = judged(usEast1, "snap-1", Input{Resource: snap})
	if s := byRule[SnapshotOrphaned].Savings; s == nil || s.Monthly != nil || !strings.Contains(s.Unavailable, string(cloudscope.PriceSnapshotArchive)) {
		t.Errorf("archive snapshot: %+v", s)
	}
	// Without prices the gp2 volume is still flagged, its saving unknown;
	// the table's choice needs both prices, so it is not flagged.
	got, byRule := judged(nil, "vol-1", Input{Resource: volume("vol-1", "gp2", 500, "i-1")})
	if got != "ebs.gp2_to_gp3:info ebs.idle:insufficient" || byRule[EBSGP2ToGP3].Savings.Unavailable == "" {
		t.Errorf("gp2 without prices: %s %+v", got, byRule[EBSGP2ToGP3].Savings)
	}
	if got, _ := judged(nil, "orders", input(cloudscope.Resource{Type: cloudscope.Table, ID: "orders", Region: "us-east-1",
		Table: &cloudscope.TableDetails{BillingMode: "PROVISIONED", ReadCapacityUnits: 100, WriteCapacityUnits: 100}},
		series{"ConsumedReadCapacityUnits/Sum": hourly(14*24, flat(0)), "ConsumedWriteCapacityUnits/Sum": hourly(14*24, flat(0))})); got != "" {
		t.Errorf("table without prices: %s", got)
	}
}

func TestWasteFindingIDsCarryTheAccount(t *testing.T) {
	r := volume("vol-1", "gp3", 10)
	r.AccountID = "111122223333"
	_, a := judged(usEast1, "vol-1", Input{Resource: r})
	_, b := judged(usEast1, "vol-1", Input{Resource: r})
	f := a[EBSUnattached]
	if f.ID != "ebs.unattached/ebs/111122223333/us-east-1/vol-1" || f.ID != b[EBSUnattached].ID || f.AccountID != "111122223333" {
		t.Errorf("id %q account %q", f.ID, f.AccountID)
	}
	r.AccountID = ""
	if _, c := judged(usEast1, "vol-1", Input{Resource: r}); c[EBSUnattached].ID != "ebs.unattached/ebs/us-east-1/vol-1" {
		t.Errorf("id without account: %q", c[EBSUnattached].ID)
	}
}

// A shard judges its resources a chunk at a time: a stopped instance judged
// without its volumes still counts them when they are among its region's.
func TestStoppedInstanceJudgedApartFromItsVolumes(t *testing.T) {
	inst := ec2("m5.large", "stopped")
	inst.EC2.StoppedAt = daysAgo(45)
	vol := volume("vol-a", "gp3", 100, inst.ID)
	window := cloudscope.Window{Start: now.Add(-14 * 24 * time.Hour), End: now}
	alone := Evaluate([]Input{{Resource: inst}}, Defaults, window, now, usEast1)
	among := EvaluateAmong([]Input{{Resource: inst}}, []cloudscope.Resource{inst, vol}, Defaults, window, now, usEast1)
	for _, f := range alone.Findings {
		if f.Rule == EC2StoppedBilled {
			t.Errorf("judged alone, an instance with no volume in sight: %s", f.Title)
		}
	}
	var found bool
	for _, f := range among.Findings {
		if f.Rule == EC2StoppedBilled {
			found = true
			if f.Savings == nil || f.Savings.Monthly == nil || f.Savings.Monthly.String() != "8.00" {
				t.Errorf("the volume among the region's is billed: %+v", f.Savings)
			}
		}
		if f.ResourceID == vol.ID {
			t.Errorf("a volume only among the region's is not judged here: %s", f.Rule)
		}
	}
	if !found {
		t.Error("no finding for the stopped instance whose volume is among the region's")
	}
}
