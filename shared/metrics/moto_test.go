package metrics

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// TestMotoSeriesComeBackRight writes datapoints with PutMetricData, in an
// order that is not time order and with an hour missing, and reads them
// back through the batcher over the CloudWatch JSON protocol.
func TestMotoSeriesComeBackRight(t *testing.T) {
	moto.Reset(t)
	var calls awsstub.Counter
	clients := awsconf.NewClients(moto.Config(t, "eu-west-1", awsconf.Options{APIOptions: []func(*middleware.Stack) error{awsstub.Observe(calls.Add)}}))
	end := time.Now().UTC().Truncate(time.Hour)
	start := end.Add(-6 * time.Hour)
	hot, quiet := "i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"
	values := map[int]float64{3: 91.5, 0: 12.25, 5: 88, 1: 40} // hours 2 and 4 missing
	var data []cwtypes.MetricDatum
	for h, v := range values {
		data = append(data, cwtypes.MetricDatum{
			MetricName: aws.String("CPUUtilization"), Unit: cwtypes.StandardUnitPercent, Value: aws.Float64(v),
			Timestamp:  aws.Time(start.Add(time.Duration(h) * time.Hour)),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(hot)}},
		})
	}
	if _, err := cloudwatchclient.In(clients, "eu-west-1").PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("AWS/EC2"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	calls = awsstub.Counter{}

	f := New(ClientsFrom(clients), metricquery.Options{})
	res, err := f.Fetch(context.Background(), metricquery.Request{Region: "eu-west-1",
		Targets: []metricquery.Target{{Type: cloudscope.EC2, ID: hot, InstanceType: "m5.large"}, {Type: cloudscope.EC2, ID: quiet, InstanceType: "m5.large"}},
		Window:  metricquery.Grid{Start: start, End: end, Period: 3600}})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Count("CloudWatch.GetMetricData") != 1 || res.Calls != 1 {
		t.Errorf("%d GetMetricData calls for %d queries, want 1", calls.Count("CloudWatch.GetMetricData"), res.Queries)
	}
	cpu := res.Resources[0].Metrics[0]
	if cpu.Name != "CPUUtilization" || cpu.Unit != "Percent" || !res.Resources[0].HasData {
		t.Fatalf("first metric %+v", cpu)
	}
	for _, stat := range []string{"Average", "Maximum"} {
		pts := cpu.Stats[stat]
		var hours []int
		for _, p := range pts {
			h := int(p.T.Time().Sub(start) / time.Hour)
			hours = append(hours, h)
			if p.V != values[h] {
				t.Errorf("%s at hour %d: %v, want %v", stat, h, p.V, values[h])
			}
		}
		if len(hours) != 4 || hours[0] != 0 || hours[1] != 1 || hours[2] != 3 || hours[3] != 5 {
			t.Errorf("%s: points at hours %v, want [0 1 3 5] (sorted, gaps kept)", stat, hours)
		}
	}
	for _, m := range res.Resources[0].Metrics[1:] {
		for stat, pts := range m.Stats {
			if len(pts) != 0 {
				t.Errorf("%s %s: %d points where none were written", m.Name, stat, len(pts))
			}
		}
	}
	if res.Resources[1].HasData {
		t.Errorf("the instance with no datapoints is reported as having data")
	}
}

// TestMotoReadsTheDemosWasteMetrics reads the demo's waste metrics through
// the catalogue: a NAT gateway's bytes (all zero: idle, not missing), an
// application load balancer's requests by its ARN suffix, a classic one's
// by name, and a table's consumed capacity, a point a day.
func TestMotoReadsTheDemosWasteMetrics(t *testing.T) {
	moto.Reset(t)
	clients := awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{}))
	now := time.Now()
	seeded, err := demo.Seed(context.Background(), clients, demo.Default, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedMetrics(context.Background(), clients, seeded, now); err != nil {
		t.Fatal(err)
	}
	end := now.UTC().Truncate(24 * time.Hour)
	window := metricquery.Grid{Start: end.Add(-7 * 24 * time.Hour), End: end, Period: 86400}
	f := New(ClientsFrom(clients), metricquery.Options{NoPercentiles: true})
	sum := func(region string, target metricquery.Target, metric string) (float64, int) {
		t.Helper()
		res, err := f.Fetch(context.Background(), metricquery.Request{Region: region, Targets: []metricquery.Target{target}, Window: window, Metrics: []string{metric}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Resources[0].Metrics) != 1 {
			t.Fatalf("%s %s: metrics %+v", target.ID, metric, res.Resources[0].Metrics)
		}
		total, n := 0.0, 0
		for _, st := range res.Resources[0].Metrics[0].Stats {
			for _, p := range st {
				total += p.V
				n++
			}
		}
		return total, n
	}
	if v, n := sum("us-east-1", metricquery.Target{Type: cloudscope.NATGateway, ID: seeded.NATGatewayIDs["nat-staging"]}, "BytesOutToDestination"); v != 0 || n < 6 {
		t.Errorf("idle NAT gateway: %v bytes in %d points, want 0 in a week of points", v, n)
	}
	if v, _ := sum("us-east-1", metricquery.Target{Type: cloudscope.NATGateway, ID: seeded.NATGatewayIDs["nat-prod"]}, "BytesOutToDestination"); v < 1e10 {
		t.Errorf("busy NAT gateway: %v bytes", v)
	}
	if v, _ := sum("us-east-1", metricquery.Target{Type: cloudscope.LoadBalancer, ID: seeded.LoadBalancerIDs["shop-alb"]}, "RequestCount"); v < 1e5 {
		t.Errorf("shop-alb: %v requests", v)
	}
	if v, _ := sum("eu-west-1", metricquery.Target{Type: cloudscope.LoadBalancer, ID: "legacy-clb"}, "RequestCount"); v < 1e4 {
		t.Errorf("legacy-clb: %v requests", v)
	}
	if v, n := sum("us-east-1", metricquery.Target{Type: cloudscope.Table, ID: "legacy-sessions"}, "ConsumedReadCapacityUnits"); v <= 0 || v > 1000*float64(n) {
		t.Errorf("legacy-sessions: %v read units in %d days", v, n)
	}
}
