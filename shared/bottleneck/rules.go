package bottleneck

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// rule is one check for one resource type.
type rule struct {
	id   string
	typ  cloudscope.ResourceType
	eval func(c *check)
}

// The rule ids.
const (
	EC2HighCPU       = "ec2.high_cpu"
	EC2SustainedCPU  = "ec2.sustained_high_cpu"
	EC2Underutilised = "ec2.underutilised"
	EC2LowUse        = "ec2.low_utilisation"
	EC2NoCredits     = "ec2.cpu_credits_exhausted"
	EC2StatusCheck   = "ec2.status_check_failed"
	EC2StoppedLong   = "ec2.stopped_long"
	RDSIdle          = "rds.idle"
	RDSHighCPU       = "rds.high_cpu"
	RDSLowStorage    = "rds.low_storage"
	LambdaThrottled  = "lambda.throttled"
	LambdaErrors     = "lambda.error_rate"
	LambdaNearTimout = "lambda.near_timeout"

	EBSUnattached    = "ebs.unattached"
	EBSIdle          = "ebs.idle"
	EBSGP2ToGP3      = "ebs.gp2_to_gp3"
	SnapshotOrphaned = "ebs-snapshot.orphaned"
	EIPUnassociated  = "eip.unassociated"
	NATIdle          = "nat.idle"
	LBNoHealthy      = "elb.no_healthy_targets"
	LBIdle           = "elb.idle"
	EC2StoppedBilled = "ec2.stopped_volumes_billed"
	DynamoOnDemand   = "dynamodb.on_demand_cheaper"
)

// Rules lists every rule id with the source of its threshold, for docs and the API.
var Rules = map[string]string{
	EC2HighCPU:       "seed design: maximum CPU > 80%",
	EC2SustainedCPU:  "cloudscope: hourly average CPU > 80% for half the hours with data",
	EC2Underutilised: "seed design: average CPU < 10%",
	EC2LowUse:        "Trusted Advisor Qch7DwouX1: daily average CPU <= 10% and network <= 5 MB on 4 of 14 days",
	EC2NoCredits:     "AWS: a burstable instance without CPU credits runs at its baseline",
	EC2StatusCheck:   "AWS: a failed instance or system status check",
	EC2StoppedLong:   "cloudscope: stopped for more than 7 days (its EBS volumes still bill)",
	RDSIdle:          "Trusted Advisor Ti39halfu8: no connection in the last 7 days",
	RDSHighCPU:       "cloudscope: hourly average CPU > 80%",
	RDSLowStorage:    "cloudscope: free storage under 10% of the allocated storage (critical under 5%)",
	LambdaThrottled:  "AWS: throttled invocations were refused (cloudscope: critical above 5% of calls)",
	LambdaErrors:     "Powerpipe aws_thrifty: error rate > 10% on any of the last 7 days (cloudscope: critical above 25%)",
	LambdaNearTimout: "cloudscope: p99 duration at or above 80% of the timeout",

	EBSUnattached:    "Trusted Advisor DAvU99Dc4C: an unattached volume",
	EBSIdle:          "Trusted Advisor DAvU99Dc4C: under 1 IOPS a day for 7 days (boot volumes excluded)",
	EBSGP2ToGP3:      "AWS: gp3 gives 3,000 IOPS and 125 MiB/s at any size for less per GB; gp2 gives 3 IOPS/GB (100 to 16,000) and 128 to 250 MiB/s",
	SnapshotOrphaned: "Powerpipe aws_thrifty: a snapshot older than 90 days (cloudscope: whose volume is gone and no AMI uses)",
	EIPUnassociated:  "Powerpipe aws_thrifty: an unassociated Elastic IP (AWS bills public IPv4 hourly since February 2024)",
	NATIdle:          "Trusted Advisor: no bytes processed in 30 days",
	LBNoHealthy:      "Trusted Advisor hjLMh88uM8: no healthy back ends",
	LBIdle:           "Trusted Advisor hjLMh88uM8: under 100 requests a day for 7 days",
	EC2StoppedBilled: "CloudQuery policies: stopped more than 30 days ago, its EBS volumes still billed",
	DynamoOnDemand:   "AWS: provisioned capacity mostly unused, so on-demand (per request) would cost less than the provisioned hours",

	EC2Rightsize: "Compute Optimizer: the cheapest smaller, newer or Graviton type whose projected CPU (and measured memory) stays under 80% (rightsize_headroom_percent)",
	RDSRightsize: "Compute Optimizer: the cheapest smaller, newer or Graviton class whose projected CPU stays under 80% (rightsize_headroom_percent); memory kept",
}

const gib = 1 << 30

// fullDayHours is how much of a day must be measured to judge the day.
const fullDayHours = 20

// spanCoverage is the share of a span that must be measured to call it idle.
const spanCoverage = 0.8

// rules are every rule in evaluation order: the trouble rules, the waste
// rules, then the rightsize rules.
var rules = slices.Concat(troubleRules, wasteRules, declaredRules(rightsizeRules))

var troubleRules = []rule{
	{EC2HighCPU, cloudscope.EC2, func(c *check) {
		if !c.running() {
			return
		}
		pts, _ := c.series("CPUUtilization", "Maximum")
		if len(pts) == 0 {
			c.enough(EC2HighCPU, pts, 0) // no data: undecided, not fine
			return
		}
		th := c.t.HighCPUPercent
		if m := maxOf(pts); m > th {
			hot := where(pts, func(v float64) bool { return v > th })
			c.find(EC2HighCPU, cloudscope.Warning, fmt.Sprintf("CPU peaked at %.1f%%", m),
				map[string]float64{"max_cpu_percent": round(m), "periods_above": float64(len(hot))},
				threshold(th, ">", "Percent", Rules[EC2HighCPU]), hot,
				"Find what drives the peaks; if they hurt, move to a larger instance type or spread the load (Auto Scaling).")
		}
	}},
	{EC2SustainedCPU, cloudscope.EC2, func(c *check) {
		if !c.running() {
			return
		}
		pts, period := c.series("CPUUtilization", "Average")
		if !c.enough(EC2SustainedCPU, pts, period) {
			return
		}
		th := c.t.SustainedCPUPercent
		hot := where(pts, func(v float64) bool { return v > th })
		if share := float64(len(hot)) / float64(len(pts)); share >= c.t.SustainedShare {
			c.find(EC2SustainedCPU, cloudscope.Critical, fmt.Sprintf("CPU above %.0f%% for %.0f%% of the time", th, 100*share),
				map[string]float64{"share_above": round(share), "average_cpu_percent": round(mean(pts))},
				threshold(th, ">", "Percent", Rules[EC2SustainedCPU]), hot,
				"The instance is short of CPU most of the time: move to a larger or compute-optimised type, or scale out.")
		}
	}},
	{EC2Underutilised, cloudscope.EC2, func(c *check) {
		if !c.running() {
			return
		}
		pts, period := c.series("CPUUtilization", "Average")
		if !c.enough(EC2Underutilised, pts, period) {
			return
		}
		th := c.t.UnderutilisedCPUPercent
		if avg := mean(pts); avg < th {
			c.find(EC2Underutilised, cloudscope.Info, fmt.Sprintf("average CPU %.1f%%", avg),
				map[string]float64{"average_cpu_percent": round(avg), "max_cpu_percent": round(maxOf(pts))},
				threshold(th, "<", "Percent", Rules[EC2Underutilised]), pts,
				"Consider a smaller instance type (or a burstable one) and save the difference.")
		}
	}},
	{EC2LowUse, cloudscope.EC2, func(c *check) {
		if !c.running() {
			return
		}
		cpu, period := c.series("CPUUtilization", "Average")
		if !c.enough(EC2LowUse, cpu, period) {
			return
		}
		in, _ := c.series("NetworkIn", "Sum")
		out, _ := c.series("NetworkOut", "Sum")
		cpuDay := daily(cpu, mean)
		netIn, netOut := daily(in, sum), daily(out, sum)
		// Only days measured nearly whole count: an hour of data is no day of low use.
		hoursIn := daily(cpu, func(ps []cloudscope.Point) float64 { return float64(len(ps)) * float64(period) / 3600 })
		var low []cloudscope.Point
		for day, avg := range cpuDay {
			inB, okIn := netIn[day]
			outB, okOut := netOut[day]
			if hoursIn[day] >= fullDayHours && okIn && okOut && avg <= c.t.LowUseCPUPercent && (inB+outB)/1e6 <= c.t.LowUseNetworkMB {
				low = append(low, cloudscope.Point{T: cloudscope.At(day.time()), V: round(avg)})
			}
		}
		if len(low) >= c.t.LowUseDays {
			sortPoints(low)
			c.find(EC2LowUse, cloudscope.Warning, fmt.Sprintf("low use on %d of %d days", len(low), len(cpuDay)),
				map[string]float64{"low_days": float64(len(low)), "days_with_data": float64(len(cpuDay))},
				threshold(float64(c.t.LowUseDays), ">=", "days", Rules[EC2LowUse]), low,
				"The instance does little: stop it, schedule it off outside working hours, or downsize it.")
		}
	}},
	{EC2NoCredits, cloudscope.EC2, func(c *check) {
		r := c.in.Resource
		if !c.running() || r.EC2 == nil || !strings.HasPrefix(r.EC2.InstanceType, "t") {
			return
		}
		pts, _ := c.series("CPUCreditBalance", "Minimum")
		recent := since(pts, c.now.Add(-24*time.Hour))
		if len(recent) == 0 {
			return
		}
		th := c.t.CPUCreditsMin
		if low := where(recent, func(v float64) bool { return v <= th }); len(low) > 0 {
			c.find(EC2NoCredits, cloudscope.Critical, "out of CPU credits", map[string]float64{"min_credits": round(minOf(recent))},
				threshold(th, "<=", "Count", Rules[EC2NoCredits]), low,
				"The instance is held to its baseline CPU: enable unlimited mode or move to a larger or non-burstable type.")
		}
	}},
	{EC2StatusCheck, cloudscope.EC2, func(c *check) {
		if !c.running() {
			return
		}
		pts, _ := c.series("StatusCheckFailed", "Maximum")
		if failed := where(since(pts, c.now.Add(-24*time.Hour)), func(v float64) bool { return v >= 1 }); len(failed) > 0 {
			c.find(EC2StatusCheck, cloudscope.Critical, "failed status checks", map[string]float64{"failed_periods": float64(len(failed))},
				threshold(1, ">=", "Count", Rules[EC2StatusCheck]), failed,
				"Check the instance's system log; stop and start it to move it to healthy hardware.")
		}
	}},
	{EC2StoppedLong, cloudscope.EC2, func(c *check) {
		r := c.in.Resource
		if r.State != "stopped" || r.EC2 == nil || r.EC2.StoppedAt == nil {
			return
		}
		days := c.now.Sub(*r.EC2.StoppedAt).Hours() / 24
		if days > float64(c.t.StoppedDays) {
			c.find(EC2StoppedLong, cloudscope.Warning, fmt.Sprintf("stopped for %.0f days", days), map[string]float64{"days_stopped": round(days)},
				threshold(float64(c.t.StoppedDays), ">", "days", Rules[EC2StoppedLong]), nil,
				"Its EBS volumes (and any Elastic IP) still bill: snapshot and terminate it if it is not coming back.")
		}
	}},
	{RDSIdle, cloudscope.RDS, func(c *check) {
		if c.in.Resource.State != "available" {
			return
		}
		pts, period := c.series("DatabaseConnections", "Maximum")
		if !c.enough(RDSIdle, pts, period) {
			return
		}
		from := c.now.Add(-time.Duration(c.t.IdleDBDays) * 24 * time.Hour)
		recent := since(pts, from)
		// Most of the span must be measured: a database measured for one
		// day, or twice in seven, is not idle for seven.
		spanHours := float64(c.t.IdleDBDays * 24)
		if float64(len(recent))*float64(period)/3600 < spanHours*spanCoverage {
			r := c.in.Resource
			c.res.Insufficient = append(c.res.Insufficient, cloudscope.Insufficient{Rule: RDSIdle, ResourceType: r.Type, ResourceID: r.ID, Region: r.Region,
				HoursOfData: float64(len(pts)) * float64(period) / 3600, HoursNeeded: c.t.IdleDBDays * 24})
			return
		}
		if maxOf(recent) == 0 {
			c.find(RDSIdle, cloudscope.Warning, fmt.Sprintf("no connections in %d days", c.t.IdleDBDays), map[string]float64{"max_connections": 0, "days": float64(c.t.IdleDBDays)},
				threshold(0, "==", "Count", Rules[RDSIdle]), recent,
				"Nothing connects to this database: snapshot it and delete the instance, or stop it.")
		}
	}},
	{RDSHighCPU, cloudscope.RDS, func(c *check) {
		pts, _ := c.series("CPUUtilization", "Average")
		th := c.t.DBHighCPUPercent
		if hot := where(pts, func(v float64) bool { return v > th }); len(hot) > 0 {
			c.find(RDSHighCPU, cloudscope.Warning, fmt.Sprintf("CPU above %.0f%% in %d periods", th, len(hot)),
				map[string]float64{"max_cpu_percent": round(maxOf(hot)), "periods_above": float64(len(hot))},
				threshold(th, ">", "Percent", Rules[RDSHighCPU]), hot,
				"Look at the slowest queries (Performance Insights); add read replicas or a larger instance class.")
		}
	}},
	{RDSLowStorage, cloudscope.RDS, func(c *check) {
		r := c.in.Resource
		if r.RDS == nil || r.RDS.AllocatedStorageGB <= 0 {
			return
		}
		pts, _ := c.series("FreeStorageSpace", "Minimum")
		if len(pts) == 0 {
			return
		}
		free := pts[len(pts)-1].V / (float64(r.RDS.AllocatedStorageGB) * gib) * 100
		if free < c.t.DBFreeStoragePercent {
			sev := cloudscope.Warning
			if free < c.t.DBFreeStoragePercent/2 {
				sev = cloudscope.Critical
			}
			c.find(RDSLowStorage, sev, fmt.Sprintf("%.1f%% storage free", free),
				map[string]float64{"free_percent": round(free), "free_gib": round(pts[len(pts)-1].V / gib), "allocated_gib": float64(r.RDS.AllocatedStorageGB)},
				threshold(c.t.DBFreeStoragePercent, "<", "Percent", Rules[RDSLowStorage]), since(pts, c.now.Add(-48*time.Hour)),
				"Writes stop when storage runs out: increase the allocated storage or turn on storage autoscaling.")
		}
	}},
	{LambdaThrottled, cloudscope.Lambda, func(c *check) {
		thr, _ := c.series("Throttles", "Sum")
		inv, _ := c.series("Invocations", "Sum")
		throttled := where(thr, func(v float64) bool { return v > 0 })
		if len(throttled) == 0 {
			return
		}
		total, calls := sum(thr), 0.0
		if len(inv) > 0 {
			calls = sum(inv)
		}
		rate := 0.0
		if calls+total > 0 {
			rate = total / (calls + total) * 100
		}
		sev := cloudscope.Warning
		if rate > 5 {
			sev = cloudscope.Critical
		}
		c.find(LambdaThrottled, sev, fmt.Sprintf("%.0f throttled invocations", total),
			map[string]float64{"throttles": total, "throttle_rate_percent": round(rate)},
			threshold(0, ">", "Count", Rules[LambdaThrottled]), throttled,
			"Calls are refused for lack of concurrency: raise the function's reserved concurrency or the account limit, or smooth the callers.")
	}},
	{LambdaErrors, cloudscope.Lambda, func(c *check) {
		from := c.now.Add(-time.Duration(c.t.LambdaErrorDays) * 24 * time.Hour)
		errs, _ := c.series("Errors", "Sum")
		inv, _ := c.series("Invocations", "Sum")
		errDay, invDay := daily(since(errs, from), sum), daily(since(inv, from), sum)
		var bad []cloudscope.Point
		worst := 0.0
		for day, calls := range invDay {
			if calls <= 0 {
				continue
			}
			rate := errDay[day] / calls * 100
			if rate > c.t.LambdaErrorRatePercent {
				bad = append(bad, cloudscope.Point{T: cloudscope.At(day.time()), V: round(rate)})
				worst = max(worst, rate)
			}
		}
		if len(bad) > 0 {
			sortPoints(bad)
			sev := cloudscope.Warning
			if worst > 2.5*c.t.LambdaErrorRatePercent {
				sev = cloudscope.Critical
			}
			c.find(LambdaErrors, sev, fmt.Sprintf("error rate up to %.1f%%", worst),
				map[string]float64{"worst_error_rate_percent": round(worst), "days_above": float64(len(bad))},
				threshold(c.t.LambdaErrorRatePercent, ">", "Percent", Rules[LambdaErrors]), bad,
				"Read the function's logs for the failing calls; add retries with backoff or a dead-letter queue for what cannot succeed.")
		}
	}},
	{LambdaNearTimout, cloudscope.Lambda, func(c *check) {
		r := c.in.Resource
		if r.Lambda == nil || r.Lambda.TimeoutSeconds <= 0 {
			return
		}
		stat := "p99"
		pts, _ := c.series("Duration", stat)
		if len(pts) == 0 {
			stat = "Maximum" // percentiles turned off: the maximum is the stricter stand-in
			pts, _ = c.series("Duration", stat)
		}
		if len(pts) == 0 {
			return
		}
		limit := float64(r.Lambda.TimeoutSeconds) * 1000 * c.t.LambdaTimeoutShare
		if near := where(pts, func(v float64) bool { return v >= limit }); len(near) > 0 {
			c.find(LambdaNearTimout, cloudscope.Warning, fmt.Sprintf("%s duration reached %.0f ms of a %d s timeout", stat, maxOf(near), r.Lambda.TimeoutSeconds),
				map[string]float64{"max_duration_ms": round(maxOf(near)), "timeout_ms": float64(r.Lambda.TimeoutSeconds) * 1000},
				threshold(limit, ">=", "Milliseconds", Rules[LambdaNearTimout]+" (statistic: "+stat+")"), near,
				"Calls are close to timing out: find the slow dependency, raise the memory (and so the CPU), or raise the timeout.")
		}
	}},
}

func (c *check) running() bool { return c.in.Resource.State == "running" }

func sortPoints(pts []cloudscope.Point) {
	slices.SortFunc(pts, func(a, b cloudscope.Point) int { return cmp.Compare(a.T, b.T) })
}
