package scan_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// listPrices answers the on-demand Linux prices per hour in us-east-1 as
// AWS's EC2 pricing page lists them (the emulator has no Price List; the
// Price List path is tested in the pricing package with recorded records),
// and counts the distinct prices asked: each is one GetProducts call for
// the Price List client on a first scan, none on the next (its cache).
type listPrices struct {
	mu    sync.Mutex
	asked map[cloudscope.PriceItem]bool
}

var linuxHourly = map[string]string{
	"m5.large": "0.096", "m5.xlarge": "0.192", "m5.2xlarge": "0.384",
	"m6g.large": "0.077", "m6g.xlarge": "0.154", "m6g.2xlarge": "0.308",
	"m7g.large": "0.0816", "m7g.xlarge": "0.1632", "m7g.2xlarge": "0.3264",
	"m7i.large": "0.1008", "m7i.xlarge": "0.2016", "m7i.2xlarge": "0.4032",
	"t3.micro": "0.0104", "t3.small": "0.0208", "t3.medium": "0.0416",
	"t4g.micro": "0.0084", "t4g.small": "0.0168", "t4g.medium": "0.0336",
}

func (p *listPrices) UnitPrice(_ context.Context, _ string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	p.mu.Lock()
	p.asked[item] = true
	p.mu.Unlock()
	_, typ, f, ok := cloudscope.ParseInstancePrice(item)
	if v, known := linuxHourly[typ]; ok && known && f[0] == "Linux" && f[1] == "Shared" {
		a, _ := cloudscope.ParseAmount(v)
		return cloudscope.UnitPrice{Amount: a, Unit: "Hrs", Currency: "USD", Source: "AWS EC2 on-demand pricing page", Date: "2026-11-01"}
	}
	return cloudscope.UnitPrice{Unavailable: "no price found"}
}

func (p *listPrices) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.asked)
}

// TestMotoRightsizeTargets runs instances in the emulator, puts their CPU
// (and for some, the CloudWatch agent's memory and the CPU credits), scans,
// and holds each to its expected target; the catalogue is the emulator's
// DescribeInstanceTypes, read once and then from the cache.
func TestMotoRightsizeTargets(t *testing.T) {
	scan.Moto().Reset(t)
	ctx := context.Background()
	clients := awsconf.NewClients(scan.Moto().Config(t, "us-east-1", awsconf.Options{}))
	type box struct {
		name, typ     string
		cpu, mem, cpc float64 // -1: not put
		want          string  // the target, "" for none
	}
	boxes := []box{
		{"oversized", "m5.2xlarge", 20, -1, -1, "m6g.2xlarge"}, // CPU only: the memory is kept, Graviton is cheaper
		{"oversized-measured", "m5.2xlarge", 20, 30, -1, "m6g.xlarge"},
		{"busy", "m5.2xlarge", 70, 30, -1, ""},
		{"burst-out", "t3.medium", 10, 10, 0, ""}, // out of credits: not downsized
		{"burst-spare", "t3.medium", 10, 20, 200, "t4g.small"},
	}
	ids := map[string]string{}
	for _, b := range boxes {
		out, err := ec2client.In(clients, "us-east-1").RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceType(b.typ),
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(b.name)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[b.name] = aws.ToString(out.Instances[0].InstanceId)
	}
	// 48 hourly points each, ending an hour ago: more than min_data_hours.
	end := time.Now().UTC().Truncate(time.Hour)
	put := func(namespace, metric, id string, v float64, unit cwtypes.StandardUnit) {
		var data []cwtypes.MetricDatum
		for h := 1; h <= 48; h++ {
			data = append(data, cwtypes.MetricDatum{MetricName: aws.String(metric), Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(id)}},
				Timestamp: aws.Time(end.Add(-time.Duration(h)*time.Hour + 10*time.Minute)), Value: aws.Float64(v), Unit: unit})
		}
		if _, err := cloudwatchclient.In(clients, "us-east-1").PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(namespace), MetricData: data}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range boxes {
		put("AWS/EC2", "CPUUtilization", ids[b.name], b.cpu, cwtypes.StandardUnitPercent)
		if b.mem >= 0 {
			put("CWAgent", "mem_used_percent", ids[b.name], b.mem, cwtypes.StandardUnitPercent)
		}
		if b.cpc >= 0 {
			put("AWS/EC2", "CPUCreditBalance", ids[b.name], b.cpc, cwtypes.StandardUnitCount)
		}
	}

	cache := memstore.NewPriceCache(nil)
	run := func(id string) (*cloudscope.Snapshot, *instancetypes.Client, *listPrices) {
		types := instancetypes.New(func(region string) instancetypes.API { return ec2client.In(clients, region) }, cache)
		prices := &listPrices{asked: map[cloudscope.PriceItem]bool{}}
		s := scan.New(scan.Deps{
			Discovery:     discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{}),
			Metrics:       metrics.New(metrics.ClientsFrom(clients), metricquery.Options{NoPercentiles: true}), // the emulator cannot compute p99
			Thresholds:    bottleneck.Defaults,
			Prices:        prices,
			InstanceTypes: types,
			RegionsAtOnce: 1,
		})
		r, err := s.Run(ctx, id, []string{"us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		return r.Snapshot, types, prices
	}
	snap, types, prices := run("rightsize-1")
	got := map[string]*cloudscope.Finding{}
	for i, f := range snap.Findings {
		if f.Rule == bottleneck.EC2Rightsize {
			got[f.ResourceID] = &snap.Findings[i]
		}
	}
	var saved cloudscope.Amount
	for _, b := range boxes {
		f := got[ids[b.name]]
		switch {
		case b.want == "" && f != nil:
			t.Errorf("%s: want no rightsize finding, got %s", b.name, f.Title)
		case b.want == "":
		case f == nil:
			t.Errorf("%s: no rightsize finding, want %s", b.name, b.want)
		case f.Rightsize.Target.Type != b.want || f.Rightsize.Basis != "hourly maximum" || f.Savings == nil || f.Savings.Monthly == nil:
			t.Errorf("%s: %s (basis %s, savings %+v), want %s", b.name, f.Title, f.Rightsize.Basis, f.Savings, b.want)
		default:
			saved = saved.Add(*f.Savings.Monthly)
			t.Logf("%s: %s; %s", b.name, f.Title, f.Savings.Estimate)
		}
	}
	first := snap.Calls["ec2:DescribeInstanceTypes"]
	if first < 1 || types.Calls() != first || snap.Calls["pricing:GetProducts"] != prices.Calls() || prices.Calls() == 0 {
		t.Errorf("first scan: %d DescribeInstanceTypes calls (client %d), %d prices asked (scan says %d)", first, types.Calls(), prices.Calls(), snap.Calls["pricing:GetProducts"])
	}
	t.Logf("first scan: %d DescribeInstanceTypes calls, %d distinct prices asked; rightsizing saves %s USD/month", first, prices.Calls(), saved.Cents())
	// The next scan (a new process) reads the catalogue from the cache.
	snap2, _, prices2 := run("rightsize-2")
	if n := snap2.Calls["ec2:DescribeInstanceTypes"]; n != 0 {
		t.Errorf("second scan: %d DescribeInstanceTypes calls, want 0 (the cache)", n)
	}
	t.Logf("second scan: %d DescribeInstanceTypes calls, %d distinct prices asked (the Price List client answers them from its cache)", snap2.Calls["ec2:DescribeInstanceTypes"], prices2.Calls())
}
