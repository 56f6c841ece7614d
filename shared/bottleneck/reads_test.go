package bottleneck

import (
	"fmt"
	"strings"
	"testing"
	"time"

	csbill "github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

// readsTable is the README's table of what each rule reads and what that
// costs, as the code declares it.
func readsTable() string {
	perMetric := csbill.OfScan(nil, map[string]int64{csbill.GetMetricData: 1_000_000}).Total
	var b strings.Builder
	b.WriteString("| rule | reads (statistic, hourly over 14 days unless said) | precondition | metrics a resource | USD a scan per 1,000,000 such resources |\n|---|---|---|---|---|\n")
	for _, r := range rules {
		rd := readsOf[r.id]
		var reads []string
		var always, screened int
		for _, m := range rd.Metrics {
			s := fmt.Sprintf("%s %s", m.Name, strings.Join(m.Stats, ", "))
			if m.PeriodS != hour || m.WindowD != WindowDays {
				s += fmt.Sprintf(" (%d s over %d days)", m.PeriodS, m.WindowD)
			}
			if m.Kind != "" {
				s += " (" + m.Kind + ")"
			}
			if m.Screen != "" {
				s += " when " + m.Screen
				screened += len(m.Stats)
			} else if m.Kind == "" {
				always += len(m.Stats)
			}
			reads = append(reads, s)
		}
		if len(rd.Metrics) > 0 && always == 0 && screened == 0 {
			always = 1 // one of its kinds
		}
		cost, count := "0", "0"
		if always+screened > 0 {
			count = fmt.Sprint(always)
			cost = perMetric.Mul(cloudscope.AmountOf(int64(always))).Cents()
			if screened > 0 {
				count += fmt.Sprintf(" + %d when screened in", screened)
				cost += " to " + perMetric.Mul(cloudscope.AmountOf(int64(always+screened))).Cents()
			}
		}
		what := strings.Join(reads, "; ")
		if what == "" {
			what = "nothing (the inventory)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.id, what, rd.Precondition, count, cost)
	}
	return strings.TrimSpace(b.String())
}

// TestREADMEReadsTableIsTheCode keeps the README's table of reads and the
// rules' declarations from drifting apart.
func TestREADMEReadsTableIsTheCode(t *testing.T) {
	if got, want := readme.Section(t, "reads"), readsTable(); got != want {
		t.Errorf("README.md's reads table is not the code's; between <!-- reads --> and <!-- /reads --> it should read:\n%s", want)
	}
}

// BenchmarkRuleReadCosts prints what each rule reads and what its reads
// cost at GetMetricData's list price (the README's table).
func BenchmarkRuleReadCosts(b *testing.B) {
	var table string
	for b.Loop() {
		table = readsTable()
	}
	fmt.Printf("What each rule reads and what its reads cost (GetMetricData list price):\n%s\n", table) // whole: a benchmark's log is cut at 10 lines
}

func names(reads []Read) string {
	var s []string
	for _, r := range reads {
		s = append(s, fmt.Sprintf("%s %s", r.Name, strings.Join(r.Stats, "+")))
	}
	return strings.Join(s, ", ")
}

// TestPlanReadsOnlyWhatApplies: a resource no rule judges by its metrics
// is read nothing; the others, what their applicable rules read.
func TestPlanReadsOnlyWhatApplies(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	env := ReadEnv{Thresholds: Defaults, Now: now}
	withCatalogue := env
	withCatalogue.Catalogue = true
	for _, c := range []struct {
		name string
		r    cloudscope.Resource
		env  ReadEnv
		want string
	}{
		{"stopped instance", cloudscope.Resource{Type: cloudscope.EC2, State: "stopped", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}, withCatalogue, ""},
		{"running m5", cloudscope.Resource{Type: cloudscope.EC2, State: "running", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}, env,
			"CPUUtilization Maximum+Average, StatusCheckFailed Maximum"},
		{"running t3", cloudscope.Resource{Type: cloudscope.EC2, State: "running", EC2: &cloudscope.EC2Details{InstanceType: "t3.large"}}, env,
			"CPUUtilization Maximum+Average, CPUCreditBalance Minimum, StatusCheckFailed Maximum"},
		{"running m5, catalogue", cloudscope.Resource{Type: cloudscope.EC2, State: "running", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}, withCatalogue,
			"CPUUtilization Maximum+Average+p99, StatusCheckFailed Maximum"},
		{"unattached volume", cloudscope.Resource{Type: cloudscope.Volume, State: "available", Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", SizeGB: 10}}, env, ""},
		{"boot volume", cloudscope.Resource{Type: cloudscope.Volume, State: "in-use", Volume: &cloudscope.VolumeDetails{VolumeType: "gp2", AttachedTo: []string{"i-1"}, Boot: true}}, env, ""},
		{"data volume", cloudscope.Resource{Type: cloudscope.Volume, State: "in-use", Volume: &cloudscope.VolumeDetails{VolumeType: "gp3", AttachedTo: []string{"i-1"}}}, env,
			"VolumeReadOps Sum, VolumeWriteOps Sum"},
		{"Elastic IP", cloudscope.Resource{Type: cloudscope.Address, Address: &cloudscope.AddressDetails{PublicIP: "203.0.113.1"}}, env, ""},
		{"snapshot", cloudscope.Resource{Type: cloudscope.VolumeBackup}, env, ""},
		{"load balancer without healthy targets", cloudscope.Resource{Type: cloudscope.LoadBalancer, LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: "application", Targets: 2}}, env, ""},
		{"network load balancer", cloudscope.Resource{Type: cloudscope.LoadBalancer, LoadBalancer: &cloudscope.LoadBalancerDetails{Kind: "network", HealthyTargets: 1}}, env, "NewFlowCount Sum"},
		{"on-demand table", cloudscope.Resource{Type: cloudscope.Table, Table: &cloudscope.TableDetails{BillingMode: "PAY_PER_REQUEST"}}, env, ""},
		{"stopped database", cloudscope.Resource{Type: cloudscope.RDS, State: "stopped", RDS: &cloudscope.RDSDetails{InstanceClass: "db.m5.large", AllocatedStorageGB: 20}}, withCatalogue, ""},
		{"function", cloudscope.Resource{Type: cloudscope.Lambda, Lambda: &cloudscope.LambdaDetails{TimeoutSeconds: 3}}, env, "Throttles Sum, Errors Sum, Duration p99"},
		{"bucket", cloudscope.Resource{Type: cloudscope.S3}, env, ""},
	} {
		if got := names(PlanReads(c.r, nil, 0, c.env)); got != c.want {
			t.Errorf("%s: reads %q, want %q", c.name, got, c.want)
		}
	}
}

// TestScreensReadOnlyWhatTheFirstRoundCallsFor: the second round reads a
// function's invocations only after a throttle or an error, an
// instance's network only after low CPU days, the maximum only where the
// p99 is missing.
func TestScreensReadOnlyWhatTheFirstRoundCallsFor(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	env := ReadEnv{Thresholds: Defaults, Now: now}
	hours := func(n int, v float64) []cloudscope.Point {
		var pts []cloudscope.Point
		for i := n; i > 0; i-- {
			pts = append(pts, cloudscope.Point{T: cloudscope.At(now.Add(-time.Duration(i) * time.Hour)), V: v})
		}
		return pts
	}
	have := func(name string, stats map[string][]cloudscope.Point) *cloudscope.ResourceMetrics {
		return &cloudscope.ResourceMetrics{Metrics: []cloudscope.MetricSeries{{Name: name, Period: 3600, Stats: stats}}}
	}
	fn := cloudscope.Resource{Type: cloudscope.Lambda, Lambda: &cloudscope.LambdaDetails{TimeoutSeconds: 3}}
	quiet := &cloudscope.ResourceMetrics{Metrics: []cloudscope.MetricSeries{
		{Name: "Throttles", Period: 3600, Stats: map[string][]cloudscope.Point{"Sum": hours(336, 0)}},
		{Name: "Errors", Period: 3600, Stats: map[string][]cloudscope.Point{"Sum": hours(336, 0)}},
		{Name: "Duration", Period: 3600, Stats: map[string][]cloudscope.Point{"p99": hours(336, 100)}},
	}}
	if got := names(PlanReads(fn, quiet, 1, env)); got != "" {
		t.Errorf("a quiet function reads %q in the second round", got)
	}
	quiet.Metrics[1].Stats["Sum"][330].V = 1 // an error in the last seven days
	if got := names(PlanReads(fn, quiet, 1, env)); got != "Invocations Sum" {
		t.Errorf("a function with an error reads %q in the second round", got)
	}
	delete(quiet.Metrics[2].Stats, "p99") // percentiles off
	if got := names(PlanReads(fn, quiet, 1, env)); got != "Invocations Sum, Duration Maximum" {
		t.Errorf("a function without its p99 reads %q in the second round", got)
	}
	inst := cloudscope.Resource{Type: cloudscope.EC2, State: "running", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}}
	if got := names(PlanReads(inst, have("CPUUtilization", map[string][]cloudscope.Point{"Average": hours(336, 35), "Maximum": hours(336, 50)}), 1, env)); got != "" {
		t.Errorf("a busy instance reads %q in the second round", got)
	}
	if got := names(PlanReads(inst, have("CPUUtilization", map[string][]cloudscope.Point{"Average": hours(336, 3), "Maximum": hours(336, 5)}), 1, env)); got != "NetworkIn Sum, NetworkOut Sum" {
		t.Errorf("an idle instance reads %q in the second round", got)
	}
}
