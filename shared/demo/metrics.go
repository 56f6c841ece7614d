package demo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
)

// MetricDays is how much metric history the demo writes, hour by hour.
const MetricDays = 14

// shape gives a metric's value at hour h (0 is the oldest) of the history.
type shape func(h int, r *rand.Rand) float64

// daily is a day-night curve between lo and hi, peaking mid-afternoon, with noise.
func daily(lo, hi float64) shape {
	return func(h int, r *rand.Rand) float64 {
		phase := math.Sin(float64(h%24-9) / 24 * 2 * math.Pi)
		v := lo + (hi-lo)*(phase+1)/2 + (r.Float64()-0.5)*(hi-lo)*0.1
		return math.Max(lo, math.Min(hi, v))
	}
}

// flat is a level with noise of the given spread.
func flat(level, spread float64) shape {
	return func(_ int, r *rand.Rand) float64 { return math.Max(0, level+(r.Float64()-0.5)*spread) }
}

// falling goes from start to end over the history.
func falling(start, end float64) shape {
	return func(h int, _ *rand.Rand) float64 {
		return start + (end-start)*float64(h)/float64(MetricDays*24-1)
	}
}

// series is one metric of one resource in the demo.
type series struct {
	region, namespace, metric, unit string
	dims                            map[string]string
	value                           shape
	daily                           bool // one point a day (S3 storage metrics)
	days                            int  // of history (0: MetricDays)
}

// story is what the demo's metrics show: a hot batch worker, an idle
// (and oversized) reporting server and an idle database, a web server running out of CPU credits,
// a throttled webhook, a function with a high error rate, and a database
// running out of storage.
func story(seeded *Seeded) []series {
	ids := seeded.InstanceIDs
	gb := float64(1 << 30)
	ec2 := func(region, name, metric, unit string, s shape) series {
		return series{region: region, namespace: "AWS/EC2", metric: metric, unit: unit, dims: map[string]string{"InstanceId": ids[name]}, value: s}
	}
	rds := func(region, id, metric, unit string, s shape) series {
		return series{region: region, namespace: "AWS/RDS", metric: metric, unit: unit, dims: map[string]string{"DBInstanceIdentifier": id}, value: s}
	}
	fn := func(region, name, metric, unit string, s shape) series {
		return series{region: region, namespace: "AWS/Lambda", metric: metric, unit: unit, dims: map[string]string{"FunctionName": name}, value: s}
	}
	s3 := func(region, bucket, metric, storage, unit string, s shape) series {
		return series{region: region, namespace: "AWS/S3", metric: metric, unit: unit, daily: true,
			dims: map[string]string{"BucketName": bucket, "StorageType": storage}, value: s}
	}
	var out []series
	for _, in := range []struct {
		region, name string
		cpu          shape
		net          float64 // bytes an hour at the peak
	}{
		{"us-east-1", "web-1", daily(20, 55), 4e9},
		{"us-east-1", "web-2", daily(25, 70), 5e9},
		{"us-east-1", "batch-worker", flat(91, 12), 2e9},
		{"eu-west-1", "api-eu", daily(15, 45), 3e9},
		{"eu-west-1", "legacy-reporting", flat(1.5, 1), 2e6},
		{"ap-southeast-2", "api-apac", daily(10, 35), 1e9},
	} {
		out = append(out,
			ec2(in.region, in.name, "CPUUtilization", "Percent", in.cpu),
			ec2(in.region, in.name, "NetworkIn", "Bytes", daily(in.net*0.1, in.net)),
			ec2(in.region, in.name, "NetworkOut", "Bytes", daily(in.net*0.2, in.net*1.5)),
			ec2(in.region, in.name, "StatusCheckFailed", "Count", flat(0, 0)),
		)
	}
	out = append(out,
		ec2("us-east-1", "web-1", "CPUCreditBalance", "Count", flat(550, 40)),
		ec2("us-east-1", "web-2", "CPUCreditBalance", "Count", falling(300, 0)),
		// The CloudWatch agent on the reporting server: a quarter of its
		// memory used, so rightsizing may halve it.
		series{region: "eu-west-1", namespace: "CWAgent", metric: "mem_used_percent", unit: "Percent",
			dims: map[string]string{"InstanceId": ids["legacy-reporting"]}, value: flat(25, 3)},

		rds("us-east-1", "orders-db", "CPUUtilization", "Percent", daily(35, 75)),
		rds("us-east-1", "orders-db", "DatabaseConnections", "Count", daily(40, 160)),
		rds("us-east-1", "orders-db", "FreeStorageSpace", "Bytes", falling(60*gb, 14*gb)),
		rds("us-east-1", "orders-db", "FreeableMemory", "Bytes", daily(1.5*gb, 3*gb)),
		rds("us-east-1", "orders-db", "ReadLatency", "Seconds", daily(0.002, 0.009)),
		rds("us-east-1", "orders-db", "WriteLatency", "Seconds", daily(0.003, 0.012)),
		rds("eu-west-1", "reporting-db", "CPUUtilization", "Percent", flat(2, 1)),
		rds("eu-west-1", "reporting-db", "DatabaseConnections", "Count", flat(0, 0)),
		rds("eu-west-1", "reporting-db", "FreeStorageSpace", "Bytes", flat(80*gb, gb)),
		rds("eu-west-1", "reporting-db", "FreeableMemory", "Bytes", flat(2.8*gb, 0.1*gb)),
		rds("ap-southeast-2", "sessions-db", "CPUUtilization", "Percent", daily(10, 30)),
		rds("ap-southeast-2", "sessions-db", "DatabaseConnections", "Count", daily(5, 25)),
		rds("ap-southeast-2", "sessions-db", "FreeStorageSpace", "Bytes", flat(15*gb, 0.2*gb)),

		fn("us-east-1", "image-resizer", "Invocations", "Count", daily(200, 1500)),
		fn("us-east-1", "image-resizer", "Errors", "Count", flat(2, 4)),
		fn("us-east-1", "image-resizer", "Throttles", "Count", flat(0, 0)),
		fn("us-east-1", "image-resizer", "Duration", "Milliseconds", daily(900, 2500)),
		fn("us-east-1", "image-resizer", "ConcurrentExecutions", "Count", daily(2, 12)),
		fn("us-east-1", "order-webhook", "Invocations", "Count", daily(2000, 9000)),
		fn("us-east-1", "order-webhook", "Errors", "Count", daily(20, 90)),
		fn("us-east-1", "order-webhook", "Throttles", "Count", daily(50, 900)),
		fn("us-east-1", "order-webhook", "Duration", "Milliseconds", daily(2500, 8700)),
		fn("us-east-1", "order-webhook", "ConcurrentExecutions", "Count", flat(10, 0)),
		fn("eu-west-1", "invoice-pdf", "Invocations", "Count", daily(20, 120)),
		fn("eu-west-1", "invoice-pdf", "Errors", "Count", daily(3, 25)),
		fn("eu-west-1", "invoice-pdf", "Throttles", "Count", flat(0, 0)),
		fn("eu-west-1", "invoice-pdf", "Duration", "Milliseconds", daily(4000, 12000)),
	)
	for _, b := range []struct {
		region, name string
		bytes, objs  float64
	}{
		{"us-east-1", "cloudscope-demo-assets", 320 * gb, 1.2e6},
		{"eu-west-1", "cloudscope-demo-invoices-eu", 45 * gb, 3.4e5},
		{"ap-southeast-2", "cloudscope-demo-backups-apac", 2100 * gb, 8.8e3},
	} {
		out = append(out,
			s3(b.region, b.name, "BucketSizeBytes", "StandardStorage", "Bytes", falling(b.bytes*0.9, b.bytes)),
			s3(b.region, b.name, "NumberOfObjects", "AllStorageTypes", "Count", falling(b.objs*0.9, b.objs)))
	}
	return append(out, wasteStory(seeded)...)
}

// WasteMetricDays is how much history the waste types' metrics have: the
// longest window of their rules (a NAT gateway idle for 30 days).
const WasteMetricDays = 30

// wasteStory is what the waste types' metrics show, one point a day (the
// day's sum, or its average or maximum for the gauges) over
// WasteMetricDays: the waste rules judge days, and the emulator answers
// GetMetricData the slower the more points it holds. A busy volume and an
// attached gp2 one, an idle NAT gateway (zero bytes, not missing data) and
// a busy one, load balancers with and without requests, a provisioned
// table barely read and an on-demand one in use. The unattached volume and
// the load balancer without targets need no metrics.
func wasteStory(seeded *Seeded) []series {
	var out []series
	add := func(region, namespace, dim, id, metric, unit string, s shape) {
		out = append(out, series{region: region, namespace: namespace, metric: metric, unit: unit, dims: map[string]string{dim: id},
			value: s, daily: true, days: WasteMetricDays})
	}
	for _, v := range []struct {
		region, name        string
		reads, writes, idle shape
	}{
		{"us-east-1", "web-1-data", flat(60000, 20000), flat(90000, 30000), flat(40000, 10000)},
		{"eu-west-1", "api-eu-data", flat(25000, 8000), flat(30000, 10000), flat(70000, 5000)},
	} {
		id := seeded.VolumeIDs[v.name]
		add(v.region, "AWS/EBS", "VolumeId", id, "VolumeReadOps", "Count", v.reads)
		add(v.region, "AWS/EBS", "VolumeId", id, "VolumeWriteOps", "Count", v.writes)
		add(v.region, "AWS/EBS", "VolumeId", id, "VolumeIdleTime", "Seconds", v.idle)
	}
	for _, n := range []struct {
		name         string
		bytes, conns shape
	}{
		{"nat-staging", flat(0, 0), flat(0, 0)},
		{"nat-prod", flat(1.2e10, 4e9), flat(300, 100)},
	} {
		id := seeded.NATGatewayIDs[n.name]
		for _, m := range []string{"BytesOutToDestination", "BytesOutToSource", "BytesInFromSource", "BytesInFromDestination"} {
			add("us-east-1", "AWS/NATGateway", "NatGatewayId", id, m, "Bytes", n.bytes)
		}
		add("us-east-1", "AWS/NATGateway", "NatGatewayId", id, "ActiveConnectionCount", "Count", n.conns)
	}
	for _, lb := range []struct {
		name            string
		requests, hosts shape
	}{
		{"staging-alb", flat(0, 0), flat(0, 0)},
		{"shop-alb", flat(150000, 50000), flat(2, 0)},
	} {
		id := seeded.LoadBalancerIDs[lb.name]
		add("us-east-1", "AWS/ApplicationELB", "LoadBalancer", id, "RequestCount", "Count", lb.requests)
		add("us-east-1", "AWS/ApplicationELB", "LoadBalancer", id, "HealthyHostCount", "Count", lb.hosts)
	}
	add("eu-west-1", "AWS/ELB", "LoadBalancerName", seeded.LoadBalancerIDs["legacy-clb"], "RequestCount", "Count", flat(50000, 20000))
	for _, t := range []struct {
		name          string
		reads, writes shape
		provisioned   float64
	}{
		// Per hour: 100 units a second provisioned are 360,000 an hour; a few
		// dozen are used.
		{"legacy-sessions", flat(30, 12), flat(8, 4), 100},
		{"orders", flat(8e4, 2e4), flat(2.5e4, 8e3), 0},
	} {
		// Consumed capacity hourly over the scan's 14 days: the rule weighs
		// the hours measured, as DynamoDB publishes every minute.
		hourly := func(metric string, sh shape) {
			out = append(out, series{region: "us-east-1", namespace: "AWS/DynamoDB", metric: metric, unit: "Count",
				dims: map[string]string{"TableName": t.name}, value: sh})
		}
		hourly("ConsumedReadCapacityUnits", t.reads)
		hourly("ConsumedWriteCapacityUnits", t.writes)
		if t.provisioned > 0 {
			add("us-east-1", "AWS/DynamoDB", "TableName", t.name, "ProvisionedReadCapacityUnits", "Count", flat(t.provisioned, 0))
			add("us-east-1", "AWS/DynamoDB", "TableName", t.name, "ProvisionedWriteCapacityUnits", "Count", flat(t.provisioned, 0))
		}
		add("us-east-1", "AWS/DynamoDB", "TableName", t.name, "ThrottledRequests", "Count", flat(0, 0))
	}
	return out
}

// Datapoint is one value the demo writes to CloudWatch.
type Datapoint struct {
	Region, Namespace, Metric, Unit string
	Dimensions                      map[string]string
	Time                            time.Time
	Value                           float64
}

// Datapoints are the demo's metric history: MetricDays of hourly values
// (WasteMetricDays of daily ones for the waste types') ending at the last
// whole hour before now, for the resources Seed created, in a fixed order (the same
// values every time).
func Datapoints(seeded *Seeded, now time.Time) []Datapoint {
	end := now.UTC().Truncate(time.Hour)
	r := rand.New(rand.NewPCG(2026, 11))
	var out []Datapoint
	for _, s := range story(seeded) {
		hours := cmp.Or(s.days, MetricDays) * 24
		for h := 0; h < hours; h++ {
			ts := end.Add(-time.Duration(hours-h) * time.Hour)
			if s.daily && ts.Hour() != 0 {
				continue
			}
			v := math.Round(s.value(h, r)*1000) / 1000
			out = append(out, Datapoint{Region: s.region, Namespace: s.namespace, Metric: s.metric, Unit: s.unit, Dimensions: s.dims, Time: ts, Value: v})
		}
	}
	return out
}

// SeedMetrics writes the demo's Datapoints to CloudWatch.
func SeedMetrics(ctx context.Context, clients *awsconf.Clients, seeded *Seeded, now time.Time) (int, error) {
	if err := CheckEndpoint(clients.Config()); err != nil {
		return 0, err
	}
	type key struct{ region, namespace string }
	batches := map[key][]cwtypes.MetricDatum{}
	var order []key
	for _, p := range Datapoints(seeded, now) {
		var dims []cwtypes.Dimension
		for _, k := range slices.Sorted(maps.Keys(p.Dimensions)) {
			dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(p.Dimensions[k])})
		}
		k := key{p.Region, p.Namespace}
		if _, ok := batches[k]; !ok {
			order = append(order, k)
		}
		batches[k] = append(batches[k], cwtypes.MetricDatum{
			MetricName: aws.String(p.Metric), Dimensions: dims, Timestamp: aws.Time(p.Time),
			Value: aws.Float64(p.Value), Unit: cwtypes.StandardUnit(p.Unit),
		})
	}
	written := 0
	for _, k := range order {
		data := batches[k]
		client := cloudwatchclient.In(clients, k.region)
		for len(data) > 0 {
			n := min(len(data), 500)
			if _, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(k.namespace), MetricData: data[:n]}); err != nil {
				return written, fmt.Errorf("put %s metrics in %s: %w", k.namespace, k.region, err)
			}
			written += n
			data = data[n:]
		}
	}
	return written, nil
}
