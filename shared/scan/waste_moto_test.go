package scan_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbv2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

// TestMotoWasteFindingsAreTheWastefulOnes scans the demo account in the
// emulator, with the Price List answered by the hand-written fixture of
// shared/testkit/pricelist (the emulator has none; no recorded record of most
// of these products was found),
// and holds the waste rules' findings to the demo's cases: each wasteful
// one found, its healthy twin not. What the emulator cannot date (a
// snapshot 90 days old, an instance stopped 30 days) must find nothing.
func TestMotoWasteFindingsAreTheWastefulOnes(t *testing.T) {
	scan.Moto().Reset(t)
	ctx := context.Background()
	clients := awsconf.NewClients(scan.Moto().Config(t, "us-east-1", awsconf.Options{}))
	if _, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf); err != nil {
		t.Fatal(err)
	}
	prices := pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), memstore.NewPriceCache(nil))
	s := scan.New(scan.Deps{
		Discovery:     discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{}),
		Metrics:       metrics.New(metrics.ClientsFrom(clients), metricquery.Options{NoPercentiles: true}),
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
	t.Logf("waste findings: %v; price calls %d; errors %v", got, snap.Calls["pricing:GetProducts"], snap.Errors)
}

// wasteRules are the rules of issue 15's waste cases.
var wasteRules = map[string]bool{bottleneck.EBSUnattached: true, bottleneck.EBSIdle: true, bottleneck.EBSGP2ToGP3: true,
	bottleneck.SnapshotOrphaned: true, bottleneck.EIPUnassociated: true, bottleneck.NATIdle: true, bottleneck.LBNoHealthy: true,
	bottleneck.LBIdle: true, bottleneck.EC2StoppedBilled: true, bottleneck.DynamoOnDemand: true}

// TestMotoSavingsAtRecordedListPrices scans resources made in the emulator
// with the Price List answered by the stand-in (shared/pricestandin: Price
// List records recorded from public material), named as a person would,
// with AWS_ENDPOINT_URL_PRICING beside the emulator's AWS_ENDPOINT_URL.
// Only what the recorded records price has a figure: the us-east-1 gp2
// record (0.10 per GB-month, 2019), the ap-south-1 public IPv4 record
// (0.005 an hour, 2024) and the us-east-1 load balancers' (0.0225 and
// 0.025 an hour, 2022). No public record of gp3 storage in us-east-1 or
// of gp3 throughput was found, so gp2 -> gp3 says why it has no figure.
func TestMotoSavingsAtRecordedListPrices(t *testing.T) {
	scan.Moto().Reset(t)
	standin, err := pricestandin.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standin.Close() })
	t.Setenv(awsconf.EnvPricingEndpoint, standin.URL) // before the configuration is loaded
	ctx := context.Background()
	clients := awsconf.NewClients(scan.Moto().Config(t, "us-east-1", awsconf.Options{}))
	east, south := ec2client.In(clients, "us-east-1"), ec2client.In(clients, "ap-south-1")
	run, err := east.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	instance := aws.ToString(run.Instances[0].InstanceId)
	volume := func(size int32) string {
		v, err := east.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: run.Instances[0].Placement.AvailabilityZone,
			Size: aws.Int32(size), VolumeType: ec2types.VolumeTypeGp2})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(v.VolumeId)
	}
	unattached, attached := volume(500), volume(100)
	if _, err := east.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(attached), InstanceId: aws.String(instance), Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	eip, err := south.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	// Internal load balancers without targets, in the default VPC's
	// subnets: priced from the recorded us-east-1 AWSELB answer (an
	// internet-facing one would add its public addresses, which no
	// recorded us-east-1 record prices).
	subnets, err := east.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %v (%v)", subnets, err)
	}
	subnetIDs := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}
	alb, err := elbv2client.In(clients, "us-east-1").CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("internal-alb"), Subnets: subnetIDs,
		Scheme: elbv2types.LoadBalancerSchemeEnumInternal, Type: elbv2types.LoadBalancerTypeEnumApplication})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elbclient.In(clients, "us-east-1").CreateLoadBalancer(ctx, &elasticloadbalancing.CreateLoadBalancerInput{LoadBalancerName: aws.String("internal-clb"),
		Subnets: subnetIDs[:1], Scheme: aws.String("internal"),
		Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(80)}}}); err != nil {
		t.Fatal(err)
	}
	s := scan.New(scan.Deps{
		Discovery:     discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{}),
		Metrics:       metrics.New(metrics.ClientsFrom(clients), metricquery.Options{NoPercentiles: true}),
		Thresholds:    bottleneck.Defaults,
		Prices:        services.Prices(appconfig.Config{}, clients),
		RegionsAtOnce: 1,
	})
	r, err := s.Run(ctx, "recorded-prices", []string{"us-east-1", "ap-south-1"})
	if err != nil {
		t.Fatal(err)
	}
	saving := func(rule, id string) *cloudscope.Savings {
		t.Helper()
		for _, f := range r.Snapshot.Findings {
			if f.Rule == rule && f.ResourceID == id {
				return f.Savings
			}
		}
		t.Fatalf("no %s finding on %s", rule, id)
		return nil
	}
	for _, c := range []struct {
		rule, id, monthly, estimate string
	}{
		{bottleneck.EBSUnattached, unattached, "50.00", "delete the volume, 500 GB x 0.10 USD/GB-month = 50.00 USD/month"},
		{bottleneck.EIPUnassociated, aws.ToString(eip.AllocationId), "3.65", "release the address, 730 hours x 0.005 USD/hour = 3.65 USD/month"},
		{bottleneck.LBNoHealthy, strings.SplitN(aws.ToString(alb.LoadBalancers[0].LoadBalancerArn), ":loadbalancer/", 2)[1], "16.43", "delete the load balancer (its hourly charge), 730 hours x 0.0225 USD/hour = 16.43 USD/month"},
		{bottleneck.LBNoHealthy, "internal-clb", "18.25", "delete the load balancer (its hourly charge), 730 hours x 0.025 USD/hour = 18.25 USD/month"},
	} {
		sv := saving(c.rule, c.id)
		if sv == nil || sv.Monthly == nil || sv.Monthly.Cents() != c.monthly || sv.Estimate != c.estimate ||
			!strings.HasPrefix(sv.PriceSource, pricestandin.Label) || sv.PriceDate == "" {
			t.Errorf("%s on %s: %+v, want %s (%s) at recorded list prices", c.rule, c.id, sv, c.monthly, c.estimate)
		}
	}
	// gp3 at the attached volume's 128 MiB/s would save 100 x 0.10 - 100 x
	// 0.08 - 3 MiB/s x 0.04 = 1.88, but no recorded record prices gp3 here.
	if sv := saving(bottleneck.EBSGP2ToGP3, attached); sv == nil || sv.Monthly != nil || !strings.Contains(sv.Unavailable, "ebs.storage.gp3 in us-east-1: no price found") {
		t.Errorf("gp2 -> gp3 without a gp3 record: %+v", sv)
	}
	sum := cloudscope.SumSavings(r.Snapshot.Findings)
	if sum.Monthly.Cents() != "88.33" || sum.Priced != 4 {
		t.Errorf("total %s over %d priced findings, want 88.33 over 4 (each resource once)", sum.Monthly.Cents(), sum.Priced)
	}
}
