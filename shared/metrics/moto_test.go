package metrics

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
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
	if _, err := clients.CloudWatch("eu-west-1").PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("AWS/EC2"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	calls = awsstub.Counter{}

	f := New(ClientsFrom(clients), Options{})
	res, err := f.Fetch(context.Background(), Request{Region: "eu-west-1",
		Targets: []Target{{Type: cloudscope.EC2, ID: hot, InstanceType: "m5.large"}, {Type: cloudscope.EC2, ID: quiet, InstanceType: "m5.large"}},
		Window:  Window{Start: start, End: end, Period: 3600}})
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
