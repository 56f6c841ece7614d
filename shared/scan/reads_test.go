package scan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// series is a fleet's metric history, made up: a value for every
// resource, metric, statistic and period, the statistics consistent with
// each other (minimum <= average <= p99 <= maximum), and every query
// GetMetricData gets recorded.
type series struct {
	value func(id, metric string, t time.Time) (float64, bool) // the hour's average; false: no point
	mu    sync.Mutex
	asked map[string][]string // resource id -> "metric stat" asked
}

var statFactor = map[string]float64{"Minimum": 0.7, "Average": 1, "Sum": 1, "p99": 1.2, "Maximum": 1.3}

func (s *series) handle(_ context.Context, c awsstub.Call) (any, error) {
	in, ok := c.Input.(*cloudwatch.GetMetricDataInput)
	if !ok {
		return nil, fmt.Errorf("unexpected %s.%s", c.Service, c.Operation)
	}
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		ms := q.MetricStat
		id, name, stat := aws.ToString(ms.Metric.Dimensions[0].Value), aws.ToString(ms.Metric.MetricName), aws.ToString(ms.Stat)
		s.mu.Lock()
		s.asked[id] = append(s.asked[id], name+" "+stat)
		s.mu.Unlock()
		r := cwtypes.MetricDataResult{Id: q.Id, StatusCode: cwtypes.StatusCodeComplete}
		period := time.Duration(aws.ToInt32(ms.Period)) * time.Second
		for t := aws.ToTime(in.StartTime); t.Before(aws.ToTime(in.EndTime)); t = t.Add(period) {
			v, ok := s.value(id, name, t)
			if !ok {
				continue
			}
			v *= statFactor[stat]
			if period > time.Hour && stat == "Sum" {
				v *= float64(period / time.Hour)
			}
			if strings.HasSuffix(name, "Utilization") || strings.HasSuffix(name, "percent") {
				v = math.Min(v, 100)
			}
			r.Timestamps, r.Values = append(r.Timestamps, t), append(r.Values, v)
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	return out, nil
}

// judged is what a scanner finds of resources when it reads their metrics
// all (every rule metric and statistic of the catalogue, NAT gateways over
// their rule's window: what scans read before the rules declared their
// reads) or as the rules plan, and the metrics requested.
func judged(t testing.TB, sc *scan.Scanner, f *metrics.Fetcher, resources []cloudscope.Resource, all bool, started time.Time) (bottleneck.Result, int64) {
	t.Helper()
	ctx := context.Background()
	window := scan.MetricsWindow(started)
	region := resources[0].Region
	var targets []metricquery.Target
	for _, r := range resources {
		if tg, ok := scan.Target(r); ok {
			targets = append(targets, tg)
		}
	}
	got := map[string]*cloudscope.ResourceMetrics{}
	var requested int64
	read := func(res *metricquery.Result, err error) {
		if err != nil {
			t.Fatal(err)
		}
		requested += res.MetricsRequested
		for i := range res.Resources {
			got[scan.SeriesKey(&res.Resources[i])] = &res.Resources[i]
		}
	}
	if all {
		var short, nat []metricquery.Target
		for _, tg := range targets {
			tg.Resource = nil
			if tg.Type == cloudscope.NATGateway {
				nat = append(nat, tg)
			} else {
				short = append(short, tg)
			}
		}
		read(f.Fetch(ctx, metricquery.Request{Region: region, Targets: short, Window: window, Metrics: scan.RuleMetrics(), ForRules: true}))
		if len(nat) > 0 {
			read(f.Fetch(ctx, metricquery.Request{Region: region, Targets: nat, Metrics: scan.RuleMetrics(), ForRules: true,
				Window: metricquery.Trailing(window.End, bottleneck.Defaults.NATIdleDays, 86400)}))
		}
	} else {
		read(sc.FetchRuleMetrics(ctx, f, region, targets, window))
	}
	return sc.Judge(ctx, resources, resources, got, window, started), requested
}

// samePlanned holds the findings and undecided rules of the planned reads
// to those of reading everything, and returns the metrics requested each way.
func samePlanned(t testing.TB, deps scan.Deps, f *metrics.Fetcher, resources []cloudscope.Resource, started time.Time) (all, planned int64, findings int) {
	t.Helper()
	sc := scan.New(deps)
	want, all := judged(t, sc, f, resources, true, started)
	got, planned := judged(t, sc, f, resources, false, started)
	a, _ := json.MarshalIndent(want, "", " ")
	b, _ := json.MarshalIndent(got, "", " ")
	if string(a) != string(b) {
		t.Errorf("the planned reads judge otherwise than reading everything:\n%s", firstDiff(string(a), string(b)))
	}
	rulesFired := map[string]int{}
	for _, f := range want.Findings {
		rulesFired[f.Rule]++
	}
	t.Logf("findings by rule: %v; undecided: %d", rulesFired, len(want.Insufficient))
	if planned > all {
		t.Errorf("planned %d metrics, more than the %d of reading everything", planned, all)
	}
	return all, planned, len(want.Findings)
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			lo := max(0, i-12)
			return fmt.Sprintf("line %d:\n everything: %s\n planned:    %s\ncontext (everything):\n%s", i, al[i], bl[i], strings.Join(al[lo:min(len(al), i+3)], "\n"))
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(al), len(bl))
}

func hashOf(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// catalogue is a small instance type catalogue for the rightsize rules.
type catalogue struct{}

func (catalogue) Types(context.Context, string) (cloudscope.InstanceCatalogue, error) {
	c := cloudscope.InstanceCatalogue{}
	for _, t := range []cloudscope.InstanceType{
		{Name: "m5.large", VCPU: 2, MemoryMiB: 8192, Architectures: []string{"x86_64"}, Current: true},
		{Name: "m5.xlarge", VCPU: 4, MemoryMiB: 16384, Architectures: []string{"x86_64"}, Current: true},
		{Name: "m5.2xlarge", VCPU: 8, MemoryMiB: 32768, Architectures: []string{"x86_64"}, Current: true},
		{Name: "m6g.large", VCPU: 2, MemoryMiB: 8192, Architectures: []string{"arm64"}, Current: true},
		{Name: "m6g.xlarge", VCPU: 4, MemoryMiB: 16384, Architectures: []string{"arm64"}, Current: true},
		{Name: "t3.small", VCPU: 2, MemoryMiB: 2048, Architectures: []string{"x86_64"}, Burstable: true, Current: true},
		{Name: "t3.medium", VCPU: 2, MemoryMiB: 4096, Architectures: []string{"x86_64"}, Burstable: true, Current: true},
		{Name: "t3.large", VCPU: 2, MemoryMiB: 8192, Architectures: []string{"x86_64"}, Burstable: true, Current: true},
	} {
		c[t.Name] = t
	}
	return c, nil
}
func (catalogue) Calls() int { return 0 }

// flatPrices price an instance by its size, anything else at 0.05 USD a unit.
type flatPrices struct{}

func (flatPrices) UnitPrice(_ context.Context, _ string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	a := "0.05"
	for size, p := range map[string]string{".large|": "0.10", ".xlarge|": "0.20", ".2xlarge|": "0.40"} {
		if strings.Contains(string(item), size) {
			a = p
		}
	}
	amount, _ := cloudscope.ParseAmount(a)
	return cloudscope.UnitPrice{Amount: amount, Unit: "Hrs", Currency: "USD", Source: "test"}
}
func (flatPrices) Calls() int { return 0 }

// variedFleet is a region of every kind of resource the rules judge, in
// every state, with histories that make each rule fire somewhere and not
// elsewhere: hot, idle, quiet, over-provisioned, short of data, throttled,
// failing, near their timeout, out of credits, running out of storage.
func variedFleet(now time.Time) ([]cloudscope.Resource, func(id, metric string, t time.Time) (float64, bool)) {
	var rs []cloudscope.Resource
	profile := map[string]string{}
	add := func(r cloudscope.Resource, p string) {
		r.Region, r.AccountID = "eu-west-1", "111122223333"
		rs = append(rs, r)
		profile[r.ID] = p
	}
	profiles := []string{"hot", "idle", "quiet", "over", "sparse", "failing", "lowday"}
	stoppedAt := now.Add(-40 * 24 * time.Hour)
	for i := range 28 {
		typ := []string{"m5.xlarge", "m5.2xlarge", "t3.large", "m5.large"}[i%4]
		state := "running"
		if i%9 == 8 {
			state = "stopped"
		}
		id := fmt.Sprintf("i-%017x", i)
		add(cloudscope.Resource{Type: cloudscope.EC2, ID: id, State: state,
			EC2: &cloudscope.EC2Details{InstanceType: typ, Platform: "Linux/UNIX", Tenancy: "default", StoppedAt: &stoppedAt}}, profiles[i%len(profiles)])
		add(cloudscope.Resource{Type: cloudscope.Volume, ID: fmt.Sprintf("vol-%017x", i), State: "in-use",
			Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", SizeGB: 100, AttachedTo: []string{id}, Boot: i%3 == 0}}, profiles[(i+1)%len(profiles)])
	}
	for i := range 6 {
		add(cloudscope.Resource{Type: cloudscope.Volume, ID: fmt.Sprintf("vol-%017x", 100+i), State: "available",
			Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", SizeGB: 50}}, "idle")
		add(cloudscope.Resource{Type: cloudscope.Address, ID: fmt.Sprintf("eipalloc-%d", i), State: "unassociated",
			Address: &cloudscope.AddressDetails{PublicIP: fmt.Sprintf("203.0.113.%d", i)}}, "idle")
	}
	for i := range 14 {
		state := "available"
		if i%7 == 6 {
			state = "stopped"
		}
		add(cloudscope.Resource{Type: cloudscope.RDS, ID: fmt.Sprintf("db-%05d", i), State: state,
			RDS: &cloudscope.RDSDetails{InstanceClass: []string{"db.m5.xlarge", "db.m5.large", "db.t3.large"}[i%3], Engine: "postgres", AllocatedStorageGB: 100}}, profiles[i%len(profiles)])
	}
	for i := range 14 {
		add(cloudscope.Resource{Type: cloudscope.Lambda, ID: fmt.Sprintf("fn-%05d", i), State: "Active",
			Lambda: &cloudscope.LambdaDetails{MemoryMB: 256, TimeoutSeconds: 30}}, profiles[i%len(profiles)])
	}
	created := now.Add(-60 * 24 * time.Hour)
	for i := range 6 {
		add(cloudscope.Resource{Type: cloudscope.NATGateway, ID: fmt.Sprintf("nat-%017x", i), State: "available",
			NATGateway: &cloudscope.NATGatewayDetails{ConnectivityType: "public"}}, []string{"idle", "quiet", "sparse"}[i%3])
		kind := []string{"application", "network", "classic"}[i%3]
		id := fmt.Sprintf("lb-%d", i)
		if kind == "application" {
			id = fmt.Sprintf("app/web-%d/%016x", i, i)
		} else if kind == "network" {
			id = fmt.Sprintf("net/edge-%d/%016x", i, i)
		}
		add(cloudscope.Resource{Type: cloudscope.LoadBalancer, ID: id, State: "active", CreatedAt: &created,
			LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: kind, Targets: 2, HealthyTargets: i % 2 * 2, Scheme: "internet-facing", Zones: 2}}, []string{"idle", "quiet"}[i/3])
		add(cloudscope.Resource{Type: cloudscope.Table, ID: fmt.Sprintf("table-%d", i), State: "ACTIVE",
			Table: &cloudscope.TableDetails{BillingMode: []string{"PROVISIONED", "PAY_PER_REQUEST"}[i%2], ReadCapacityUnits: 100, WriteCapacityUnits: 50}}, []string{"idle", "quiet", "hot"}[i%3])
	}
	value := func(id, metric string, t time.Time) (float64, bool) {
		p := profile[id]
		age := now.Sub(t)
		if p == "sparse" && age > 20*time.Hour {
			return 0, false
		}
		jitter := float64(hashOf(id+metric+t.String())%100) / 100 // 0 to 0.99
		day := int(age.Hours() / 24)
		switch metric {
		case "CPUUtilization":
			return map[string]float64{"hot": 88, "idle": 2, "quiet": 30, "over": 12, "sparse": 50, "failing": 45, "lowday": []float64{3, 40}[min(day%3, 1)]}[p] + jitter, true
		case "NetworkIn", "NetworkOut":
			if p == "idle" || p == "lowday" {
				return 1000 * jitter, true
			}
			return 5e8, true
		case "StatusCheckFailed":
			if p == "failing" && age < 6*time.Hour {
				return 1, true
			}
			return 0, true
		case "CPUCreditBalance":
			if p == "hot" {
				return 0, true
			}
			return 200, true
		case "mem_used_percent":
			return 10 + 5*jitter, true
		case "DatabaseConnections":
			if p == "idle" {
				return 0, true
			}
			return 20, true
		case "FreeStorageSpace":
			if p == "hot" || p == "failing" {
				return 6 * (1 << 30), true
			}
			return 70 * (1 << 30), true
		case "Throttles":
			if p == "hot" && day < 3 {
				return 4, true
			}
			return 0, true
		case "Errors":
			if p == "failing" {
				return 40, true
			}
			if p == "quiet" && day == 10 { // errors outside the rule's seven days
				return 50, true
			}
			return 0, true
		case "Invocations":
			return 100, true
		case "Duration":
			if p == "hot" {
				return 22000, true
			}
			return 300, true
		case "VolumeReadOps", "VolumeWriteOps", "ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits":
			if p == "idle" {
				return 0, true
			}
			return 5000, true
		case "RequestCount", "NewFlowCount":
			if p == "idle" {
				return 1, true
			}
			return 10000, true
		}
		if strings.HasPrefix(metric, "Bytes") {
			if p == "idle" {
				return 0, true
			}
			return 1e6, true
		}
		return jitter, true
	}
	return rs, value
}

// TestPlannedReadsFindWhatReadingEverythingFinds judges fleets twice,
// once with every metric of the catalogue read and once with the reads
// the rules plan: the findings and undecided rules must be the same, with
// fewer metrics requested. The fleets are the benchmarks' (the organization
// shard: every value 35; the scan's: healthy but for ten throttled
// functions) and a varied one, with and without the instance type
// catalogue and percentiles.
func TestPlannedReadsFindWhatReadingEverythingFinds(t *testing.T) {
	now := time.Now().UTC()
	started := now
	end := started.Truncate(time.Hour)
	org := func() ([]cloudscope.Resource, func(string, string, time.Time) (float64, bool)) {
		var rs []cloudscope.Resource
		for i := range 30 {
			rs = append(rs, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%017x", i), Region: "eu-west-1", State: "running",
				EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}})
		}
		for i := range 15 {
			rs = append(rs, cloudscope.Resource{Type: cloudscope.RDS, ID: fmt.Sprintf("db-%05d", i), Region: "eu-west-1", State: "available",
				RDS: &cloudscope.RDSDetails{InstanceClass: "db.m5.large", Engine: "postgres", AllocatedStorageGB: 100}})
		}
		for i := range 14 {
			rs = append(rs, cloudscope.Resource{Type: cloudscope.Lambda, ID: fmt.Sprintf("fn-%05d", i), Region: "eu-west-1",
				Lambda: &cloudscope.LambdaDetails{MemoryMB: 256, TimeoutSeconds: 30}})
		}
		return rs, func(string, string, time.Time) (float64, bool) { return 35, true }
	}
	synthetic := func() ([]cloudscope.Resource, func(string, string, time.Time) (float64, bool)) {
		rs, _ := org()
		return rs, func(id, metric string, t time.Time) (float64, bool) {
			if metric == "Throttles" && id < "fn-00010" {
				return 12, true
			}
			v, ok := level[metric]
			return v, ok || metric == "mem_used_percent"
		}
	}
	varied := func() ([]cloudscope.Resource, func(string, string, time.Time) (float64, bool)) {
		return variedFleet(end)
	}
	for _, c := range []struct {
		name        string
		fleet       func() ([]cloudscope.Resource, func(string, string, time.Time) (float64, bool))
		catalogue   bool
		percentiles bool
	}{
		{"organization", org, false, true},
		{"organization with the catalogue", org, true, true},
		{"scan benchmark", synthetic, false, true},
		{"varied", varied, false, true},
		{"varied with the catalogue", varied, true, true},
		{"varied with the catalogue, percentiles off", varied, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs, value := c.fleet()
			s := &series{value: value, asked: map[string][]string{}}
			f := metrics.New(func(string) metrics.CloudWatchAPI { return cloudwatchclient.In(awsstub.Clients(s.handle), "eu-west-1") },
				metricquery.Options{NoPercentiles: !c.percentiles})
			deps := scan.Deps{Thresholds: bottleneck.Defaults}
			if c.catalogue {
				deps.InstanceTypes, deps.Prices = catalogue{}, flatPrices{}
			}
			all, planned, findings := samePlanned(t, deps, f, rs, started)
			if findings == 0 {
				t.Errorf("the fleet has no findings: a weak comparison")
			}
			t.Logf("%d resources: %d metrics requested reading everything, %d planned (%.2f and %.2f a resource)",
				len(rs), all, planned, float64(all)/float64(len(rs)), float64(planned)/float64(len(rs)))
		})
	}
}

// TestTheScanReadsNoMetricNoApplicableRuleReads reads the varied fleet as
// the scan does and holds every query it sent to a rule that reads it and
// whose precondition holds for the resource: a stopped instance or
// database, an unattached or boot volume, an Elastic IP, a load balancer
// without healthy targets and an on-demand table are asked nothing; an
// instance's memory and a T instance's credits for rightsizing only with
// the catalogue, and then only for an over-provisioned one.
func TestTheScanReadsNoMetricNoApplicableRuleReads(t *testing.T) {
	end := time.Now().UTC().Truncate(time.Hour)
	for _, withCatalogue := range []bool{false, true} {
		rs, value := variedFleet(end)
		s := &series{value: value, asked: map[string][]string{}}
		f := metrics.New(func(string) metrics.CloudWatchAPI { return cloudwatchclient.In(awsstub.Clients(s.handle), "eu-west-1") }, metricquery.Options{})
		deps := scan.Deps{Thresholds: bottleneck.Defaults}
		if withCatalogue {
			deps.InstanceTypes, deps.Prices = catalogue{}, flatPrices{}
		}
		judged(t, scan.New(deps), f, rs, false, end)
		env := bottleneck.ReadEnv{Thresholds: bottleneck.Defaults, Catalogue: withCatalogue, Now: end}
		declared := bottleneck.Declared()
		quiet := 0
		for _, r := range rs {
			asked := s.asked[r.ID]
			for _, q := range asked {
				name, stat, _ := strings.Cut(q, " ")
				ok := false
				for _, rd := range declared {
					if !rd.AppliesTo(r, env) {
						continue
					}
					for _, m := range rd.Metrics {
						ok = ok || m.Name == name && slices.Contains(m.Stats, stat)
					}
				}
				if !ok {
					t.Errorf("catalogue %v: %s %s (%s) was asked %s, which no rule applicable to it reads", withCatalogue, r.Type, r.ID, r.State, q)
				}
			}
			none := r.Type == cloudscope.EC2 && r.State != "running" || r.Type == cloudscope.RDS && r.State != "available" ||
				r.Type == cloudscope.Volume && (len(r.Volume.AttachedTo) == 0 || r.Volume.Boot) || r.Type == cloudscope.Address ||
				r.Type == cloudscope.LoadBalancer && r.LoadBalancer.HealthyTargets == 0 || r.Type == cloudscope.Table && r.Table.BillingMode != "PROVISIONED"
			if none {
				quiet++
				if len(asked) > 0 {
					t.Errorf("%s %s (%s) was asked %v", r.Type, r.ID, r.State, asked)
				}
			}
			for _, q := range asked {
				if strings.HasPrefix(q, "mem_used_percent") && !withCatalogue {
					t.Errorf("%s was asked its memory without the catalogue", r.ID)
				}
			}
		}
		if quiet < 20 {
			t.Errorf("only %d resources that no rule reads: a weak test", quiet)
		}
	}
}

// demoReads discovers the demo account in the emulator and judges each
// region with every metric read and with the planned reads: the findings
// must be the same. It returns the resources and the metrics requested
// each way, and the findings.
func demoReads(t testing.TB) (resources int, all, planned int64, findings int) {
	scan.Moto().Reset(t)
	ctx := context.Background()
	// A busy machine slows the emulator's GetMetricData: it reads every
	// point of the account for each query.
	clients := awsconf.NewClients(scan.Moto().Config(t, "us-east-1", awsconf.Options{HTTPTimeout: 5 * time.Minute}))
	if _, err := demo.SeedAll(ctx, clients, time.Now(), t.Logf); err != nil {
		t.Fatal(err)
	}
	inv, err := discovery.New(discovery.ClientsFrom(clients), resourcequery.Options{}).Discover(ctx, resourcequery.Query{Regions: demo.Regions})
	if err != nil {
		t.Fatal(err)
	}
	byRegion := map[string][]cloudscope.Resource{}
	for _, r := range inv.Resources {
		byRegion[r.Region] = append(byRegion[r.Region], r)
	}
	f := metrics.New(metrics.ClientsFrom(clients), metricquery.Options{NoPercentiles: true, Concurrency: 1}) // the emulator answers one call at a time
	started := time.Now().UTC()
	for _, rs := range byRegion {
		a, p, n := samePlanned(t, scan.Deps{Thresholds: bottleneck.Defaults}, f, rs, started)
		all, planned, findings = all+a, planned+p, findings+n
	}
	return len(inv.Resources), all, planned, findings
}

// TestPlannedReadsOnTheDemo: the demo's findings are the same with the
// planned reads as with every metric read.
func TestPlannedReadsOnTheDemo(t *testing.T) {
	n, all, planned, findings := demoReads(t)
	if findings < 9 {
		t.Errorf("%d findings on the demo: a weak comparison", findings)
	}
	t.Logf("demo: %d resources, %d findings: %d metrics requested reading everything, %d planned", n, findings, all, planned)
}

// BenchmarkDemoMetricsRequested reports the metrics requested per resource
// on the demo account (in the emulator, percentiles off): reading every
// rule metric, as scans did before the rules declared their reads, and
// the planned reads, with the same findings.
func BenchmarkDemoMetricsRequested(b *testing.B) {
	var n, findings int
	var all, planned int64
	for b.Loop() {
		n, all, planned, findings = demoReads(b)
	}
	b.ReportMetric(float64(all)/float64(n), "before-metrics-per-resource")
	b.ReportMetric(float64(planned)/float64(n), "after-metrics-per-resource")
	// Printed whole: a benchmark's log is cut at 10 lines.
	fmt.Printf("demo: %d resources, %d findings (the same both ways): %d metrics requested reading every rule metric (%.2f a resource), %d planned (%.2f a resource)\n",
		n, findings, all, float64(all)/float64(n), planned, float64(planned)/float64(n))
}
