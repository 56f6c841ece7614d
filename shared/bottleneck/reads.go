package bottleneck

import (
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// What the rules read. Every rule declares, as data, the metrics it
// reads (namespace, name, statistics, period, window) and the
// precondition under which it can fire; the scan reads a resource's
// metric only when some rule whose precondition holds for the resource
// reads it. A read may be screened: it is made in a second round, only
// for the resources whose first-round series say the rule can still
// fire (the network of an instance whose CPU was low on enough days, the
// invocations of a function that was throttled or failed). A screen never
// drops a read a rule would have used: the findings are those of reading
// everything (TestPlannedReadsFindWhatReadingEverythingFinds in shared/scan).

// WindowDays is how many days of hourly metrics the rules read (a NAT
// gateway's rule reads nat_idle_days of daily sums).
const WindowDays = 14

const (
	hour = 3600
	aDay = 86400
)

// ReadRounds is how many rounds of reads PlanReads plans: the first
// round, then the screened reads.
const ReadRounds = 2

// ReadEnv is what decides a resource's reads besides the resource.
type ReadEnv struct {
	Thresholds Thresholds
	// Catalogue says the scan has the instance type catalogue: without
	// it the rightsize rules decide nothing, so they read nothing.
	Catalogue bool
	// Now is when the rules judge; a screen that looks back from an
	// earlier time (the window's end) sees at least what the rule sees.
	Now time.Time
}

// Reads is what a rule reads and when it can fire, as data: the metrics,
// the catalogue and the prices it asks for, and its precondition.
type Reads struct {
	Type         cloudscope.ResourceType `json:"type"`
	Metrics      []MetricRead            `json:"metrics"`
	Catalogue    string                  `json:"catalogue,omitempty"`
	Prices       string                  `json:"prices,omitempty"`
	Precondition string                  `json:"precondition"`
	// applies is the precondition on the inventory; nil: every resource
	// of the type.
	applies func(r cloudscope.Resource, e ReadEnv) bool
}

// AppliesTo reports whether the rule's precondition holds for r: only
// then are its metrics read.
func (rd Reads) AppliesTo(r cloudscope.Resource, e ReadEnv) bool {
	return r.Type == rd.Type && (rd.applies == nil || rd.applies(r, e))
}

// MetricRead is one metric a rule reads.
type MetricRead struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Stats are read together (a rule that falls back from one statistic
	// to another declares the fallback as a screened read).
	Stats   []string `json:"stats"`
	PeriodS int32    `json:"period_seconds"`
	WindowD int      `json:"window_days"`
	// Optional: the rule decides without it.
	Optional bool `json:"optional,omitempty"`
	// Kind keeps the read to the load balancers of that kind.
	Kind string `json:"kind,omitempty"`
	// Screen, when set, says when the read is made: in the second round,
	// for the resources whose first-round series say so.
	Screen string `json:"screen,omitempty"`
	when   func(s *check) bool
	// days, when set, is the window a threshold gives (nat_idle_days).
	days func(t Thresholds) int
}

func hourlyRead(namespace, name string, stats ...string) MetricRead {
	return MetricRead{Namespace: namespace, Name: name, Stats: stats, PeriodS: hour, WindowD: WindowDays}
}

func screened(m MetricRead, text string, when func(c *check) bool) MetricRead {
	m.Screen, m.when = text, when
	return m
}

func optional(m MetricRead) MetricRead {
	m.Optional = true
	return m
}

func ofKind(kind string, m MetricRead) MetricRead {
	m.Kind = kind
	return m
}

func running(r cloudscope.Resource, _ ReadEnv) bool   { return r.State == "running" }
func available(r cloudscope.Resource, _ ReadEnv) bool { return r.State == "available" }

// inventoryOnly is the reads of a rule judged from the inventory alone.
func inventoryOnly(typ cloudscope.ResourceType, precondition string) Reads {
	return Reads{Type: typ, Metrics: []MetricRead{}, Precondition: precondition}
}

// ruleReads are what the trouble and waste rules read (the rightsize
// rules say it on their rows).
var ruleReads = map[string]Reads{
	EC2HighCPU: {Metrics: []MetricRead{hourlyRead("AWS/EC2", "CPUUtilization", "Maximum")},
		Precondition: "running", applies: running},
	EC2SustainedCPU: {Metrics: []MetricRead{hourlyRead("AWS/EC2", "CPUUtilization", "Average")},
		Precondition: "running, with min_data_hours of CPU data", applies: running},
	EC2Underutilised: {Metrics: []MetricRead{hourlyRead("AWS/EC2", "CPUUtilization", "Average")},
		Precondition: "running, with min_data_hours of CPU data", applies: running},
	EC2LowUse: {Metrics: []MetricRead{
		hourlyRead("AWS/EC2", "CPUUtilization", "Average"),
		screened(hourlyRead("AWS/EC2", "NetworkIn", "Sum"), lowUseText, lowUsePossible),
		screened(hourlyRead("AWS/EC2", "NetworkOut", "Sum"), lowUseText, lowUsePossible),
	}, Precondition: "running, with min_data_hours of CPU data", applies: running},
	EC2NoCredits: {Metrics: []MetricRead{hourlyRead("AWS/EC2", "CPUCreditBalance", "Minimum")},
		Precondition: "running, a burstable (T family) type", applies: func(r cloudscope.Resource, _ ReadEnv) bool {
			return r.State == "running" && r.EC2 != nil && strings.HasPrefix(r.EC2.InstanceType, "t")
		}},
	EC2StatusCheck: {Metrics: []MetricRead{hourlyRead("AWS/EC2", "StatusCheckFailed", "Maximum")},
		Precondition: "running (it judges the last 24 hours)", applies: running},
	EC2StoppedLong:   inventoryOnly(cloudscope.EC2, "stopped, with a stop time"),
	EC2StoppedBilled: inventoryOnly(cloudscope.EC2, "stopped, with a stop time, and volumes or Elastic IPs attached"),
	RDSIdle: {Metrics: []MetricRead{hourlyRead("AWS/RDS", "DatabaseConnections", "Maximum")},
		Precondition: "available, with min_data_hours of data", applies: available},
	RDSHighCPU: {Metrics: []MetricRead{hourlyRead("AWS/RDS", "CPUUtilization", "Average")},
		Precondition: "available (the scan reads the metrics of available databases)", applies: available},
	RDSLowStorage: {Metrics: []MetricRead{hourlyRead("AWS/RDS", "FreeStorageSpace", "Minimum")},
		Precondition: "available, its allocated storage known", applies: func(r cloudscope.Resource, _ ReadEnv) bool {
			return r.State == "available" && r.RDS != nil && r.RDS.AllocatedStorageGB > 0
		}},
	LambdaThrottled: {Metrics: []MetricRead{
		hourlyRead("AWS/Lambda", "Throttles", "Sum"),
		screened(hourlyRead("AWS/Lambda", "Invocations", "Sum"), "some hour was throttled", throttled),
	}, Precondition: "any function"},
	LambdaErrors: {Metrics: []MetricRead{
		hourlyRead("AWS/Lambda", "Errors", "Sum"),
		screened(hourlyRead("AWS/Lambda", "Invocations", "Sum"), "some call failed in the last lambda_error_days", erred),
	}, Precondition: "any function"},
	LambdaNearTimout: {Metrics: []MetricRead{
		hourlyRead("AWS/Lambda", "Duration", "p99"),
		screened(hourlyRead("AWS/Lambda", "Duration", "Maximum"), "the p99 has no points (percentiles off)", p99Empty("AWS/Lambda", "Duration")),
	}, Precondition: "its timeout known", applies: func(r cloudscope.Resource, _ ReadEnv) bool {
		return r.Lambda != nil && r.Lambda.TimeoutSeconds > 0
	}},

	EBSUnattached: inventoryOnly(cloudscope.Volume, "available, attached to nothing"),
	EBSIdle: {Metrics: []MetricRead{hourlyRead("AWS/EBS", "VolumeReadOps", "Sum"), hourlyRead("AWS/EBS", "VolumeWriteOps", "Sum")},
		Precondition: "attached, not a boot volume (it judges the last volume_idle_days)", applies: func(r cloudscope.Resource, _ ReadEnv) bool {
			return r.Volume != nil && len(r.Volume.AttachedTo) > 0 && !r.Volume.Boot
		}},
	EBSGP2ToGP3:      inventoryOnly(cloudscope.Volume, "gp2, not a volume to delete (unattached, or idle among the volumes judged)"),
	SnapshotOrphaned: inventoryOnly(cloudscope.VolumeBackup, "older than snapshot_age_days, its volume gone, used by no image"),
	EIPUnassociated:  inventoryOnly(cloudscope.Address, "associated with nothing"),
	NATIdle:          {Metrics: natReads(), Precondition: "available", applies: available},
	LBNoHealthy:      inventoryOnly(cloudscope.LoadBalancer, "no healthy target"),
	LBIdle: {Metrics: []MetricRead{
		ofKind("application", hourlyRead("AWS/ApplicationELB", "RequestCount", "Sum")),
		ofKind("network", hourlyRead("AWS/NetworkELB", "NewFlowCount", "Sum")),
		ofKind("classic", hourlyRead("AWS/ELB", "RequestCount", "Sum")),
	}, Precondition: "a healthy target or more (else elb.no_healthy_targets judges it), older than lb_idle_days", applies: func(r cloudscope.Resource, _ ReadEnv) bool {
		return r.LoadBalancer != nil && r.LoadBalancer.HealthyTargets > 0
	}},
	DynamoOnDemand: {Metrics: []MetricRead{hourlyRead("AWS/DynamoDB", "ConsumedReadCapacityUnits", "Sum"), hourlyRead("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "Sum")},
		Precondition: "provisioned capacity", applies: func(r cloudscope.Resource, _ ReadEnv) bool {
			return r.Table != nil && r.Table.BillingMode == "PROVISIONED" && r.Table.ReadCapacityUnits+r.Table.WriteCapacityUnits > 0
		}},
}

// natReads are a NAT gateway's four byte counts, daily over nat_idle_days:
// the longer window costs no more datapoints than a week of hours.
func natReads() []MetricRead {
	var out []MetricRead
	for _, m := range natMetrics {
		out = append(out, MetricRead{Namespace: "AWS/NATGateway", Name: m, Stats: []string{"Sum"}, PeriodS: aDay,
			WindowD: Defaults.NATIdleDays, days: func(t Thresholds) int { return t.NATIdleDays }})
	}
	return out
}

// readsOf are every rule's reads, by rule id, with the rule's type.
var readsOf = func() map[string]Reads {
	out := map[string]Reads{}
	for id, rd := range ruleReads {
		out[id] = rd
	}
	for _, r := range rightsizeRules {
		out[r.id] = r.reads
	}
	for _, r := range rules {
		rd := out[r.id]
		rd.Type = r.typ
		out[r.id] = rd
	}
	return out
}()

// Declared is what each rule reads, by rule id.
func Declared() map[string]Reads {
	out := make(map[string]Reads, len(readsOf))
	for id, rd := range readsOf {
		rd.Metrics = slices.Clone(rd.Metrics)
		out[id] = rd
	}
	return out
}

// MetricNames are the names of every metric some rule reads, sorted.
func MetricNames() []string {
	var out []string
	for _, rd := range readsOf {
		for _, m := range rd.Metrics {
			if !slices.Contains(out, m.Name) {
				out = append(out, m.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Read is one metric of one resource to read, over the last WindowD days
// at PeriodS seconds.
type Read struct {
	Namespace string
	Name      string
	Stats     []string
	PeriodS   int32
	WindowD   int
}

// PlanReads is what resource r needs read in a round (0, then 1), given
// the series the earlier round read (have; nil in round 0): the union of
// the reads of the rules of its type whose precondition holds for it, in
// round 1 only the screened reads whose screen passes and that round 0
// did not already ask. Nothing: no rule needs a metric of r.
func PlanReads(r cloudscope.Resource, have *cloudscope.ResourceMetrics, round int, e ReadEnv) []Read {
	var c *check
	var out []Read
	for _, rl := range rules {
		rd := readsOf[rl.id]
		if rl.typ != r.Type || !rd.AppliesTo(r, e) {
			continue
		}
		for _, m := range rd.Metrics {
			if (m.when == nil) != (round == 0) || m.Kind != "" && (r.LoadBalancer == nil || r.LoadBalancer.Kind != m.Kind) {
				continue
			}
			if m.when != nil {
				if c == nil {
					c = &check{in: Input{Resource: r, Metrics: have}, t: e.Thresholds, now: e.Now, res: &Result{}}
				}
				if !m.when(c) {
					continue
				}
			}
			days := m.WindowD
			if m.days != nil && m.days(e.Thresholds) > 0 {
				days = m.days(e.Thresholds)
			}
			for _, st := range m.Stats {
				if round > 0 && asked(have, m.Namespace, m.Name, st) {
					continue
				}
				out = addRead(out, Read{Namespace: m.Namespace, Name: m.Name, Stats: []string{st}, PeriodS: m.PeriodS, WindowD: days})
			}
		}
	}
	return out
}

// addRead adds rd to reads, one entry per metric, period and window.
func addRead(reads []Read, rd Read) []Read {
	for i := range reads {
		r := &reads[i]
		if r.Namespace == rd.Namespace && r.Name == rd.Name && r.PeriodS == rd.PeriodS && r.WindowD == rd.WindowD {
			for _, st := range rd.Stats {
				if !slices.Contains(r.Stats, st) {
					r.Stats = append(r.Stats, st)
				}
			}
			return reads
		}
	}
	return append(reads, rd)
}

// asked reports whether have holds the statistic of the metric (with
// points or without).
func asked(have *cloudscope.ResourceMetrics, namespace, name, stat string) bool {
	if have == nil {
		return false
	}
	for _, m := range have.Metrics {
		if m.Name == name && (m.Namespace == "" || m.Namespace == namespace) {
			if _, ok := m.Stats[stat]; ok {
				return true
			}
		}
	}
	return false
}

// The screens: each holds whenever the rule could still use the read.

const lowUseText = "the CPU was low on low_use_days whole days (daily average <= low_use_cpu_percent)"

// lowUsePossible: ec2.low_utilisation counts a day only with its CPU low,
// so the network matters only when enough days are.
func lowUsePossible(c *check) bool {
	cpu, period := c.series("CPUUtilization", "Average")
	if hoursOf(cpu, period) < float64(c.t.MinDataHours) {
		return false // the rule is undecided without the network
	}
	hoursIn := daily(cpu, func(ps []cloudscope.Point) float64 { return float64(len(ps)) * float64(period) / 3600 })
	n := 0
	for d, avg := range daily(cpu, mean) {
		if hoursIn[d] >= fullDayHours && avg <= c.t.LowUseCPUPercent {
			n++
		}
	}
	return n >= c.t.LowUseDays
}

// throttled: the throttle rate needs the invocations only when some hour
// was throttled.
func throttled(c *check) bool {
	thr, _ := c.series("Throttles", "Sum")
	return len(where(thr, func(v float64) bool { return v > 0 })) > 0
}

// erred: the error rate needs the invocations only when a call failed in
// the rule's days (or the threshold is below zero).
func erred(c *check) bool {
	errs, _ := c.series("Errors", "Sum")
	from := c.now.Add(-time.Duration(c.t.LambdaErrorDays) * 24 * time.Hour)
	return c.t.LambdaErrorRatePercent < 0 || len(where(since(errs, from), func(v float64) bool { return v != 0 })) > 0
}

// p99Empty: a rule that prefers the p99 falls back to the maximum when
// the p99 has no points.
func p99Empty(namespace, name string) func(c *check) bool {
	return func(c *check) bool {
		pts, _ := c.seriesIn(namespace, name, "p99")
		return len(pts) == 0
	}
}

const overProvisionedText = "over-provisioned (its high CPU would fit on half its vCPUs)"

// overProvisioned: the rightsize rule reads memory and credits only for
// a resource whose CPU would fit on half its vCPUs.
func overProvisioned(k sizing) func(c *check) bool {
	return func(c *check) bool {
		high, _, pts, period := c.highCPU(k.namespace)
		return hoursOf(pts, period) >= float64(c.t.MinDataHours) && high*2 < c.t.RightsizeHeadroomPercent
	}
}
