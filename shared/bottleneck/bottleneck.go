// Package bottleneck holds the rules that find hot, failing, idle and
// oversized resources in discovered resources and their metric series. The
// rules are pure functions: no AWS calls, no clock but the one given. Each
// finding carries the observed values, the threshold with its source, the
// window, the datapoints that decided it, and a recommendation.
package bottleneck

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Result is every finding and every rule left undecided.
type Result struct {
	Findings     []cloudscope.Finding      `json:"findings"`
	Insufficient []cloudscope.Insufficient `json:"insufficient_data"`
}

// Input is one resource and its metrics (nil when none were read).
type Input struct {
	Resource cloudscope.Resource
	Metrics  *cloudscope.ResourceMetrics
}

// maxEvidence bounds the datapoints kept as evidence for one finding.
const maxEvidence = 48

// Prices gives the unit prices that waste findings' savings need, in a
// region. The rules stay pure: the scan passes prices in (the pricing
// package, bound to the scan's context); nil means no price is known, and
// every saving then says so.
type Prices interface {
	UnitPrice(region string, item cloudscope.PriceItem) cloudscope.UnitPrice
}

// Evaluate runs every rule for each input's type over the window ending at
// now. The inputs of one call are judged together: a stopped instance's
// volumes are the volumes among them attached to it.
func Evaluate(inputs []Input, t Thresholds, window cloudscope.Window, now time.Time, prices Prices) Result {
	among := make([]cloudscope.Resource, len(inputs))
	for i, in := range inputs {
		among[i] = in.Resource
	}
	return EvaluateAmong(inputs, among, t, window, now, prices)
}

// EvaluateAmong is Evaluate of some of a region's resources, judged among
// all of them (among): a stopped instance's volumes are those of among
// attached to it, whether or not they are judged in this call (a shard
// judges its resources a chunk at a time).
func EvaluateAmong(inputs []Input, among []cloudscope.Resource, t Thresholds, window cloudscope.Window, now time.Time, prices Prices) Result {
	return EvaluateWith(inputs, among, t, window, now, Sources{Prices: prices})
}

// EvaluateWith is EvaluateAmong with every source the rules may read: the
// prices, and the instance type catalogue the rightsize rules compare sizes in.
func EvaluateWith(inputs []Input, among []cloudscope.Resource, t Thresholds, window cloudscope.Window, now time.Time, src Sources) Result {
	res := Result{Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	prices := src.Prices
	if prices == nil {
		prices = noPrices{}
	}
	volumes, instances := volumesByInstance(among), instancesByID(among)
	for _, in := range inputs {
		c := &check{in: in, t: t, window: window, now: now, res: &res, prices: prices, types: src.Types, volumes: volumes, instances: instances, from: len(res.Findings)}
		for _, r := range rules {
			if r.typ == in.Resource.Type {
				r.eval(c)
			}
		}
		c.savedResources()
		linkRightsize(res.Findings[c.from:])
	}
	cloudscope.SortFindings(res.Findings)
	return res
}

// check is one resource under evaluation.
type check struct {
	in     Input
	t      Thresholds
	window cloudscope.Window
	now    time.Time
	res    *Result
	prices Prices
	types  InstanceTypes // nil: no catalogue
	// volumes are the EBS volumes (and Elastic IPs) of the evaluated
	// inputs by the instance they are attached to ("account/instance").
	volumes map[string][]cloudscope.Resource
	// instances are the EC2 instances among the resources by
	// "account/instance".
	instances map[string]cloudscope.Resource
	// from is where the resource's findings begin in res.Findings.
	from int
}

// series returns a metric's points for a statistic and the seconds each covers.
func (c *check) series(metric, stat string) ([]cloudscope.Point, int32) {
	if c.in.Metrics == nil {
		return nil, 0
	}
	for _, m := range c.in.Metrics.Metrics {
		if m.Name == metric {
			return m.Stats[stat], m.Period
		}
	}
	return nil, 0
}

// enough reports whether pts cover MinDataHours; if not, it records the rule as undecided.
func (c *check) enough(rule string, pts []cloudscope.Point, period int32) bool {
	hours := float64(len(pts)) * float64(period) / 3600
	if hours >= float64(c.t.MinDataHours) {
		return true
	}
	c.undecided(rule, hours, c.t.MinDataHours)
	return false
}

// undecided records rule as unable to judge the resource for lack of data.
func (c *check) undecided(rule string, hours float64, needed int) {
	r := c.in.Resource
	c.res.Insufficient = append(c.res.Insufficient, cloudscope.Insufficient{AccountID: r.AccountID, Rule: rule, ResourceType: r.Type, ResourceID: r.ID, Region: r.Region,
		HoursOfData: round(hours), HoursNeeded: needed})
}

// findingID is stable across scans: the rule and the resource, with the
// account when the resource names one (an organization's accounts may
// reuse a name).
func findingID(rule string, r cloudscope.Resource) string {
	return FindingID(rule, r.Type, r.AccountID, r.Region, r.ID)
}

// FindingID is the one place a finding's id is built:
// "<rule>/<type>/<account>/<region>/<id>", or without the account when
// it is not known.
func FindingID(rule string, typ cloudscope.ResourceType, account, region, id string) string {
	if account != "" {
		return fmt.Sprintf("%s/%s/%s/%s/%s", rule, typ, account, region, id)
	}
	return fmt.Sprintf("%s/%s/%s/%s", rule, typ, region, id)
}

func (c *check) find(rule string, sev cloudscope.Severity, title string, observed map[string]float64, th cloudscope.Threshold, evidence []cloudscope.Point, rec string) *cloudscope.Finding {
	r := c.in.Resource
	if len(evidence) > maxEvidence {
		evidence = evidence[len(evidence)-maxEvidence:]
	}
	if evidence == nil {
		evidence = []cloudscope.Point{}
	}
	c.res.Findings = append(c.res.Findings, cloudscope.Finding{
		ID: findingID(rule, r), AccountID: r.AccountID,
		Rule: rule, Severity: sev, Title: title,
		ResourceType: r.Type, ResourceID: r.ID, ResourceName: r.Name, Region: r.Region,
		Observed: observed, Threshold: th, Window: c.window, Evidence: evidence, Recommendation: rec,
	})
	return &c.res.Findings[len(c.res.Findings)-1]
}

// where returns the points that satisfy keep.
func where(pts []cloudscope.Point, keep func(float64) bool) []cloudscope.Point {
	var out []cloudscope.Point
	for _, p := range pts {
		if keep(p.V) {
			out = append(out, p)
		}
	}
	return out
}

func maxOf(pts []cloudscope.Point) float64 {
	m := pts[0].V
	for _, p := range pts[1:] {
		m = max(m, p.V)
	}
	return m
}

func minOf(pts []cloudscope.Point) float64 {
	m := pts[0].V
	for _, p := range pts[1:] {
		m = min(m, p.V)
	}
	return m
}

func mean(pts []cloudscope.Point) float64 {
	s := 0.0
	for _, p := range pts {
		s += p.V
	}
	return s / float64(len(pts))
}

// since keeps the points at or after t.
func since(pts []cloudscope.Point, t time.Time) []cloudscope.Point {
	ts := cloudscope.At(t)
	i, _ := slices.BinarySearchFunc(pts, ts, func(p cloudscope.Point, t cloudscope.Timestamp) int { return cmp.Compare(p.T, t) })
	return pts[i:]
}

// day is a UTC day: days since the Unix epoch.
type day int64

func dayOf(t cloudscope.Timestamp) day { return day(int64(t) / (24 * 3600 * 1000)) }

func (d day) time() time.Time { return time.UnixMilli(int64(d) * 24 * 3600 * 1000).UTC() }

// daily groups points by UTC day and reduces each day with f. Points are in
// time order, so each day is one run of the slice.
func daily(pts []cloudscope.Point, f func([]cloudscope.Point) float64) map[day]float64 {
	out := map[day]float64{}
	for i := 0; i < len(pts); {
		d := dayOf(pts[i].T)
		j := i + 1
		for j < len(pts) && dayOf(pts[j].T) == d {
			j++
		}
		out[d] = f(pts[i:j])
		i = j
	}
	return out
}

func sum(pts []cloudscope.Point) float64 { return mean(pts) * float64(len(pts)) }

func round(v float64) float64 { return float64(int64(v*100+0.5*sign(v))) / 100 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// threshold is a rule's threshold: its value, comparison, unit and source.
func threshold(value float64, op, unit, source string) cloudscope.Threshold {
	return cloudscope.Threshold{Value: value, Op: op, Unit: unit, Source: source}
}
