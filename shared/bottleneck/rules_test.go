package bottleneck

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// hourly builds an hourly series of n points ending an hour before now, with
// value(i) for point i (0 is the oldest); a NaN value leaves a gap.
func hourly(n int, value func(i int) float64) []cloudscope.Point {
	var pts []cloudscope.Point
	for i := range n {
		v := value(i)
		if v != v { // NaN: a gap
			continue
		}
		pts = append(pts, cloudscope.Point{T: cloudscope.At(now.Add(-time.Duration(n-i) * time.Hour)), V: v})
	}
	return pts
}

func flat(v float64) func(int) float64 { return func(int) float64 { return v } }

type series map[string][]cloudscope.Point // "Metric/Stat" -> points

func input(r cloudscope.Resource, s series) Input {
	rm := &cloudscope.ResourceMetrics{Type: r.Type, ID: r.ID}
	byMetric := map[string]*cloudscope.MetricSeries{}
	for key, pts := range s {
		metric, stat, _ := strings.Cut(key, "/")
		m, ok := byMetric[metric]
		if !ok {
			rm.Metrics = append(rm.Metrics, cloudscope.MetricSeries{Name: metric, Period: 3600, Stats: map[string][]cloudscope.Point{}})
			m = &rm.Metrics[len(rm.Metrics)-1]
			byMetric[metric] = m
		}
		m.Stats[stat] = pts
		rm.HasData = rm.HasData || len(pts) > 0
	}
	// Re-point the map after appends may have moved the slice.
	for i := range rm.Metrics {
		byMetric[rm.Metrics[i].Name] = &rm.Metrics[i]
	}
	return Input{Resource: r, Metrics: rm}
}

func ec2(typ, state string) cloudscope.Resource {
	return cloudscope.Resource{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", Region: "us-east-1", State: state, EC2: &cloudscope.EC2Details{InstanceType: typ}}
}

func rds(storageGB int32) cloudscope.Resource {
	return cloudscope.Resource{Type: cloudscope.RDS, ID: "orders-db", Region: "us-east-1", State: "available",
		RDS: &cloudscope.RDSDetails{InstanceClass: "db.m5.large", Engine: "postgres", AllocatedStorageGB: storageGB}}
}

func fn(timeout int32) cloudscope.Resource {
	return cloudscope.Resource{Type: cloudscope.Lambda, ID: "webhook", Region: "us-east-1", State: "Active",
		Lambda: &cloudscope.LambdaDetails{TimeoutSeconds: timeout, MemoryMB: 256}}
}

// rulesFired evaluates one input and lists "rule:severity" of its findings
// and "rule:insufficient" of what it could not judge.
func rulesFired(in Input, t Thresholds) (string, Result) {
	res := Evaluate([]Input{in}, t, cloudscope.Window{Start: now.Add(-14 * 24 * time.Hour), End: now}, now, nil)
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Rule+":"+string(f.Severity))
	}
	for _, i := range res.Insufficient {
		out = append(out, i.Rule+":insufficient")
	}
	return strings.Join(out, " "), res
}

func TestRules(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	days14 := 14 * 24
	stopped := ec2("m5.large", "stopped")
	longAgo := now.Add(-8 * 24 * time.Hour)
	stopped.EC2.StoppedAt = &longAgo
	recentlyStopped := ec2("m5.large", "stopped")
	yesterday := now.Add(-24 * time.Hour)
	recentlyStopped.EC2.StoppedAt = &yesterday
	busyNet := hourly(days14, flat(5e6))

	for _, tc := range []struct {
		name string
		in   Input
		want string
	}{
		{"ec2 no data is undecided, never idle", input(ec2("m5.large", "running"), series{}),
			"ec2.high_cpu:insufficient ec2.sustained_high_cpu:insufficient ec2.underutilised:insufficient ec2.low_utilisation:insufficient"},
		{"ec2 exactly at 80% is not high", input(ec2("m5.large", "running"), series{
			"CPUUtilization/Maximum": hourly(days14, flat(80)), "CPUUtilization/Average": hourly(days14, flat(50)),
			"NetworkIn/Sum": busyNet, "NetworkOut/Sum": busyNet}), ""},
		{"ec2 a single spike is high but not sustained", input(ec2("m5.large", "running"), series{
			"CPUUtilization/Maximum": hourly(days14, func(i int) float64 { return map[bool]float64{true: 99, false: 40}[i == 100] }),
			"CPUUtilization/Average": hourly(days14, flat(40)), "NetworkIn/Sum": busyNet, "NetworkOut/Sum": busyNet}),
			"ec2.high_cpu:warning"},
		{"ec2 hot most of the time", input(ec2("c5.xlarge", "running"), series{
			"CPUUtilization/Maximum": hourly(days14, flat(97)), "CPUUtilization/Average": hourly(days14, func(i int) float64 { return float64(75 + i%20) }),
			"NetworkIn/Sum": busyNet, "NetworkOut/Sum": busyNet}),
			"ec2.sustained_high_cpu:critical ec2.high_cpu:warning"},
		{"ec2 idle: seed rule and Trusted Advisor's", input(ec2("m5.xlarge", "running"), series{
			"CPUUtilization/Maximum": hourly(days14, flat(3)), "CPUUtilization/Average": hourly(days14, flat(1.5)),
			"NetworkIn/Sum": hourly(days14, flat(1000)), "NetworkOut/Sum": hourly(days14, flat(1000))}),
			"ec2.low_utilisation:warning ec2.underutilised:info"},
		{"ec2 idle CPU but busy network is only the seed rule", input(ec2("m5.xlarge", "running"), series{
			"CPUUtilization/Maximum": hourly(days14, flat(3)), "CPUUtilization/Average": hourly(days14, flat(1.5)),
			"NetworkIn/Sum": busyNet, "NetworkOut/Sum": busyNet}),
			"ec2.underutilised:info"},
		{"ec2 series starting mid-window with 20 hours is undecided", input(ec2("m5.xlarge", "running"), series{
			"CPUUtilization/Maximum": hourly(20, flat(2)), "CPUUtilization/Average": hourly(20, flat(1)),
			"NetworkIn/Sum": hourly(20, flat(10)), "NetworkOut/Sum": hourly(20, flat(10))}),
			"ec2.sustained_high_cpu:insufficient ec2.underutilised:insufficient ec2.low_utilisation:insufficient"},
		{"ec2 gaps count only the hours with data", input(ec2("m5.xlarge", "running"), series{
			"CPUUtilization/Maximum": hourly(60, flat(2)),
			"CPUUtilization/Average": hourly(60, func(i int) float64 { return map[bool]float64{true: nan, false: 1}[i%2 == 0] }),
			"NetworkIn/Sum":          hourly(60, flat(10)), "NetworkOut/Sum": hourly(60, flat(10))}),
			"ec2.underutilised:info"}, // 30 hours with data; 2 days only, so not Trusted Advisor's 4 of 14
		{"t3 out of credits", input(ec2("t3.large", "running"), series{
			"CPUUtilization/Maximum": hourly(48, flat(40)), "CPUCreditBalance/Minimum": hourly(48, func(i int) float64 { return float64(47-i) * 10 })}),
			"ec2.cpu_credits_exhausted:critical ec2.sustained_high_cpu:insufficient ec2.underutilised:insufficient ec2.low_utilisation:insufficient"},
		{"status check failed", input(ec2("m5.large", "running"), series{
			"CPUUtilization/Maximum": hourly(48, flat(40)), "StatusCheckFailed/Maximum": hourly(48, func(i int) float64 { return map[bool]float64{true: 1, false: 0}[i == 47] })}),
			"ec2.status_check_failed:critical ec2.sustained_high_cpu:insufficient ec2.underutilised:insufficient ec2.low_utilisation:insufficient"},
		{"stopped 8 days", input(stopped, series{}), "ec2.stopped_long:warning"},
		{"stopped yesterday", input(recentlyStopped, series{}), ""},
		{"rds idle 14 days", input(rds(100), series{"DatabaseConnections/Maximum": hourly(days14, flat(0)),
			"FreeStorageSpace/Minimum": hourly(days14, flat(50*gib))}), "rds.idle:warning"},
		{"rds idle only 3 days measured is undecided", input(rds(100), series{"DatabaseConnections/Maximum": hourly(72, flat(0)),
			"FreeStorageSpace/Minimum": hourly(72, flat(50*gib))}), "rds.idle:insufficient"},
		{"rds one connection is not idle", input(rds(100), series{"DatabaseConnections/Maximum": hourly(days14, func(i int) float64 {
			return map[bool]float64{true: 1, false: 0}[i == days14-5]
		}), "FreeStorageSpace/Minimum": hourly(days14, flat(50*gib))}), ""},
		{"rds storage exactly at 10% is fine", input(rds(200), series{"DatabaseConnections/Maximum": hourly(days14, flat(50)),
			"FreeStorageSpace/Minimum": hourly(days14, flat(20*gib))}), ""},
		{"rds storage under 10% is a warning", input(rds(200), series{"DatabaseConnections/Maximum": hourly(days14, flat(50)),
			"FreeStorageSpace/Minimum": hourly(days14, func(i int) float64 { return map[bool]float64{true: 19.9 * gib, false: 30 * gib}[i == days14-1] })}),
			"rds.low_storage:warning"},
		{"rds storage under 5% is critical", input(rds(200), series{"DatabaseConnections/Maximum": hourly(days14, flat(50)),
			"FreeStorageSpace/Minimum": hourly(days14, flat(9*gib))}), "rds.low_storage:critical"},
		{"rds with 14 days of data but two points in the last 7 is undecided", input(rds(100), series{
			"DatabaseConnections/Maximum": hourly(days14, func(i int) float64 {
				if i >= days14/2 && i != days14-3 && i != days14-50 {
					return nan
				}
				return 0
			}), "FreeStorageSpace/Minimum": hourly(days14, flat(50*gib))}), "rds.idle:insufficient"},
		{"ec2 days of three measured hours are not Trusted Advisor's low use", input(ec2("m5.xlarge", "running"), series{
			"CPUUtilization/Maximum": hourly(days14, flat(50)),
			"CPUUtilization/Average": hourly(days14, func(i int) float64 {
				if i%24 < 3 {
					return 9 // three quiet hours a day, the rest unmeasured
				}
				return nan
			}),
			"NetworkIn/Sum": hourly(days14, flat(10)), "NetworkOut/Sum": hourly(days14, flat(10))}),
			"ec2.underutilised:info"},
		{"rds hot", input(rds(100), series{"DatabaseConnections/Maximum": hourly(days14, flat(50)), "CPUUtilization/Average": hourly(days14, func(i int) float64 {
			return map[bool]float64{true: 85, false: 50}[i > 300]
		})}), "rds.high_cpu:warning"},
		{"lambda throttled, errors, near timeout", input(fn(10), series{
			"Invocations/Sum": hourly(days14, flat(100)), "Throttles/Sum": hourly(days14, func(i int) float64 { return float64(i % 3) }),
			"Errors/Sum":   hourly(days14, func(i int) float64 { return map[bool]float64{true: 20, false: 1}[i > days14-24] }),
			"Duration/p99": hourly(days14, flat(8000))}),
			"lambda.error_rate:warning lambda.near_timeout:warning lambda.throttled:warning"},
		{"lambda mostly failing and throttled is critical", input(fn(10), series{
			"Invocations/Sum": hourly(days14, flat(100)), "Throttles/Sum": hourly(days14, flat(10)), "Errors/Sum": hourly(days14, flat(40))}),
			"lambda.error_rate:critical lambda.throttled:critical"},
		{"lambda error rate exactly 10% is fine", input(fn(10), series{
			"Invocations/Sum": hourly(days14, flat(100)), "Errors/Sum": hourly(days14, flat(10)), "Duration/p99": hourly(days14, flat(7999))}), ""},
		{"lambda without p99 uses the maximum", input(fn(10), series{"Duration/Maximum": hourly(48, flat(9500))}), "lambda.near_timeout:warning"},
		{"lambda never called", input(fn(10), series{"Invocations/Sum": hourly(days14, flat(0)), "Errors/Sum": hourly(days14, flat(0))}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, res := rulesFired(tc.in, Defaults)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			for _, f := range res.Findings {
				if f.ID == "" || f.Recommendation == "" || f.Threshold.Source == "" || len(f.Observed) == 0 || f.Evidence == nil ||
					!strings.HasPrefix(f.ID, f.Rule+"/") || len(f.Evidence) > maxEvidence {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

func TestFindingIDsAreStable(t *testing.T) {
	in := input(ec2("m5.large", "running"), series{"CPUUtilization/Maximum": hourly(10, flat(99))})
	_, a := rulesFired(in, Defaults)
	_, b := rulesFired(in, Defaults)
	if a.Findings[0].ID != b.Findings[0].ID || a.Findings[0].ID != "ec2.high_cpu/ec2/us-east-1/i-0123456789abcdef0" {
		t.Errorf("ids %s %s", a.Findings[0].ID, b.Findings[0].ID)
	}
}

func TestThresholds(t *testing.T) {
	th, err := ParseThresholds(`{"high_cpu_percent": 90, "idle_db_days": 3}`)
	if err != nil || th.HighCPUPercent != 90 || th.IdleDBDays != 3 || th.UnderutilisedCPUPercent != 10 {
		t.Errorf("%+v %v", th, err)
	}
	got, _ := rulesFired(input(ec2("m5.large", "running"), series{"CPUUtilization/Maximum": hourly(10, flat(85))}), th)
	if strings.Contains(got, "ec2.high_cpu:") {
		t.Errorf("85%% flagged with a 90%% threshold: %s", got)
	}
	for _, bad := range []string{`{"high_cpu_percent": 0}`, `{"sustained_share": 2}`, `{"idle_db_days": 30}`, `{"nope": 1}`, `{`, `{"min_data_hours": 0}`} {
		if _, err := ParseThresholds(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := Defaults.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if len(Rules) != len(rules) {
		t.Errorf("%d rules documented, %d implemented", len(Rules), len(rules))
	}
	for _, r := range rules {
		if Rules[r.id] == "" {
			t.Errorf("rule %s has no documented source", r.id)
		}
	}
}
