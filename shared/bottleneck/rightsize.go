package bottleneck

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The rightsize rules name a smaller (or newer, or Graviton) size with its
// price: the cheapest candidate whose projected load stays under the
// headroom.
const (
	EC2Rightsize = "ec2.rightsize"
	RDSRightsize = "rds.rightsize"
)

// InstanceTypes gives a region's instance type catalogue (the
// instancetypes package, bound to the scan's context). Without one, or
// when it cannot be read, the rightsize rules decide nothing.
type InstanceTypes interface {
	InstanceTypes(region string) (map[string]cloudscope.InstanceType, error)
}

// Sources are what the rules read besides the resources and their
// metrics; any may be nil.
type Sources struct {
	Prices Prices
	Types  InstanceTypes
}

// declaredRule is a rule with what it reads on its row (the shape every
// rule is to take).
type declaredRule struct {
	rule
	reads Reads
}

// rightsizeRules are the rightsize rules and what each reads. They run
// after the others: an underutilised instance's or idle database's finding
// then points at its rightsize finding (see linkRightsize).
var rightsizeRules = []declaredRule{
	{rule{EC2Rightsize, cloudscope.EC2, func(c *check) { c.rightsize(ec2Sizing) }}, Reads{
		Metrics: []MetricRead{
			hourlyRead("AWS/EC2", "CPUUtilization", "p99"),
			screened(hourlyRead("AWS/EC2", "CPUUtilization", "Maximum"), "the p99 has no points (percentiles off)", p99Empty("AWS/EC2", "CPUUtilization")),
			optional(screened(hourlyRead("CWAgent", "mem_used_percent", "Maximum"), overProvisionedText, overProvisioned(ec2Sizing))),
			optional(screened(hourlyRead("AWS/EC2", "CPUCreditBalance", "Minimum"), overProvisionedText, overProvisioned(ec2Sizing))),
		},
		Catalogue:    "ec2:DescribeInstanceTypes",
		Prices:       "pricing:GetProducts (AmazonEC2 Compute Instance: type, operating system, tenancy, licence, pre-installed software, capacitystatus Used)",
		Precondition: "running, the scan has the instance type catalogue; fires with min_data_hours of CPU data, over-provisioned (its high CPU would fit on half its vCPUs under the headroom); a burstable instance only with its credit balance measured and never at or below cpu_credits_min in the window",
		applies: func(r cloudscope.Resource, e ReadEnv) bool {
			return r.State == "running" && e.Catalogue && r.EC2 != nil && r.EC2.InstanceType != ""
		},
	}},
	{rule{RDSRightsize, cloudscope.RDS, func(c *check) { c.rightsize(rdsSizing) }}, Reads{
		Metrics: []MetricRead{
			hourlyRead("AWS/RDS", "CPUUtilization", "p99"),
			screened(hourlyRead("AWS/RDS", "CPUUtilization", "Maximum"), "the p99 has no points (percentiles off)", p99Empty("AWS/RDS", "CPUUtilization")),
		},
		Catalogue:    "ec2:DescribeInstanceTypes (a db. class is sized by its EC2 twin)",
		Prices:       "pricing:GetProducts (AmazonRDS Database Instance: class, engine, edition, deployment, licence)",
		Precondition: "available, a db. class, the scan has the instance type catalogue; fires with min_data_hours of CPU data, over-provisioned (its high CPU would fit on half its vCPUs under the headroom); memory is not measured, so a target keeps the current memory",
		applies: func(r cloudscope.Resource, e ReadEnv) bool {
			return r.State == "available" && e.Catalogue && r.RDS != nil && strings.HasPrefix(r.RDS.InstanceClass, "db.")
		},
	}},
}

func declaredRules(rs []declaredRule) []rule {
	out := make([]rule, len(rs))
	for i, r := range rs {
		out[i] = r.rule
	}
	return out
}

// sizing is what differs between rightsizing an instance and a database.
type sizing struct {
	rule      string
	namespace string
	state     string
	// typeOf is the resource's type or class, and its catalogue name.
	typeOf func(r cloudscope.Resource) (current, catalogueName string)
	// nameOf is a catalogue type's name as the resource's kind names it.
	nameOf func(catalogueName string) string
	// price is the price item of a type or class for the resource, or why there is none.
	price func(r cloudscope.Resource, name string) (cloudscope.PriceItem, string)
	// memory reads the memory metric; false when the kind has none.
	memory   bool
	noun     string
	howTo    string
	armNote  string
	windowsA bool // Windows cannot move to Graviton
}

var ec2Sizing = sizing{
	rule: EC2Rightsize, namespace: "AWS/EC2", state: "running", memory: true, noun: "instance type",
	typeOf: func(r cloudscope.Resource) (string, string) {
		if r.EC2 == nil {
			return "", ""
		}
		return r.EC2.InstanceType, r.EC2.InstanceType
	},
	nameOf: func(n string) string { return n },
	price: func(r cloudscope.Resource, name string) (cloudscope.PriceItem, string) {
		o, ok := cloudscope.EC2OfferOf(r.EC2.Platform, r.EC2.Tenancy)
		if !ok {
			return "", fmt.Sprintf("cloudscope does not know the Price List line of platform %q, tenancy %q", r.EC2.Platform, r.EC2.Tenancy)
		}
		return cloudscope.PriceEC2Instance(name, o), ""
	},
	howTo:    "Stop the instance, change its instance type, start it (the EBS volumes stay).",
	armNote:  "Graviton is arm64: the operating system and software must have arm64 builds.",
	windowsA: true,
}

var rdsSizing = sizing{
	rule: RDSRightsize, namespace: "AWS/RDS", state: "available", noun: "instance class",
	typeOf: func(r cloudscope.Resource) (string, string) {
		if r.RDS == nil || !strings.HasPrefix(r.RDS.InstanceClass, "db.") {
			return "", ""
		}
		return r.RDS.InstanceClass, strings.TrimPrefix(r.RDS.InstanceClass, "db.")
	},
	nameOf: func(n string) string { return "db." + n },
	price: func(r cloudscope.Resource, name string) (cloudscope.PriceItem, string) {
		o, ok := cloudscope.RDSOfferOf(r.RDS.Engine, r.RDS.MultiAZ, r.RDS.LicenseModel)
		if !ok {
			return "", fmt.Sprintf("cloudscope does not know the Price List name of engine %q", r.RDS.Engine)
		}
		return cloudscope.PriceRDSInstance(name, o), ""
	},
	howTo:   "Modify the DB instance class (applied in the next maintenance window, or at once with a short outage; Multi-AZ fails over first).",
	armNote: "Graviton classes need an engine version that supports them (a managed engine: no code change).",
}

// family is an instance type name read apart: "m6gd.xlarge" is class "m",
// generation 6, processor "g", features "d", size "xlarge".
type family struct {
	name, class, processor, features, size string
	gen                                    int
}

// parseType reads "m5.2xlarge", "c6gn.large", "m7i-flex.large", "t3a.micro".
func parseType(name string) (family, bool) {
	fam, size, ok := strings.Cut(name, ".")
	if !ok || fam == "" || size == "" {
		return family{}, false
	}
	i := 0
	for i < len(fam) && fam[i] >= 'a' && fam[i] <= 'z' {
		i++
	}
	j := i
	for j < len(fam) && fam[j] >= '0' && fam[j] <= '9' {
		j++
	}
	if i == 0 || j == i {
		return family{}, false
	}
	gen, _ := strconv.Atoi(fam[i:j])
	f := family{name: fam, class: fam[:i], gen: gen, size: size}
	rest := fam[j:]
	if rest != "" && strings.ContainsRune("agi", rune(rest[0])) {
		f.processor, rest = rest[:1], rest[1:]
	}
	f.features = rest
	return f, true
}

// movable are the classes whose generation and processor can change
// without changing what the instance is for: general purpose, compute,
// memory, burstable. Other families only shrink within themselves.
var movable = map[string]bool{"m": true, "c": true, "r": true, "t": true}

// candidate is one size a resource could move to.
type candidate struct {
	t         cloudscope.InstanceType
	name      string // as the resource's kind names it ("db.m5.large")
	migration bool
	cpu, mem  float64 // projected percentages (mem: -1 when not measured)
	price     cloudscope.UnitPrice
}

// candidates are the catalogue's types that cur could move to: smaller
// sizes of its family, newer current-generation families of its class and
// features on the same architecture, and (marked as a migration) the
// Graviton ones; never a larger type, and never a burstable one for a
// non-burstable instance.
func candidates(cur cloudscope.InstanceType, cat map[string]cloudscope.InstanceType, windows bool) []candidate {
	cf, ok := parseType(cur.Name)
	if !ok {
		return nil
	}
	var out []candidate
	for name, t := range cat {
		f, ok := parseType(name)
		if !ok || name == cur.Name || t.VCPU > cur.VCPU || t.MemoryMiB > cur.MemoryMiB || t.Burstable && !cur.Burstable {
			continue
		}
		if t.VCPU == cur.VCPU && t.MemoryMiB == cur.MemoryMiB && f.name == cf.name {
			continue
		}
		switch {
		case f.name == cf.name:
			out = append(out, candidate{t: t})
		case !movable[cf.class] || f.class != cf.class || f.features != cf.features || !t.Current:
			continue
		case t.Arm() && !cur.Arm():
			if !windows {
				out = append(out, candidate{t: t, migration: true})
			}
		case t.Arm() == cur.Arm() && f.gen > cf.gen:
			out = append(out, candidate{t: t})
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.t.VCPU, b.t.VCPU), cmp.Compare(a.t.MemoryMiB, b.t.MemoryMiB), cmp.Compare(a.t.Name, b.t.Name))
	})
	return out
}

// highCPU is the window's high CPU: the 99th percentile of the hourly p99
// where the account has percentiles, else of the hourly maxima.
func (c *check) highCPU(namespace string) (high float64, basis string, pts []cloudscope.Point, period int32) {
	pts, period = c.seriesIn(namespace, "CPUUtilization", "p99")
	basis = "p99"
	if len(pts) == 0 {
		pts, period = c.seriesIn(namespace, "CPUUtilization", "Maximum")
		basis = "hourly maximum"
	}
	if len(pts) == 0 {
		return 0, basis, nil, 0
	}
	return percentile(pts, 99), basis, pts, period
}

// percentile is the p-th percentile of the points' values (nearest rank).
func percentile(pts []cloudscope.Point, p float64) float64 {
	vs := make([]float64, len(pts))
	for i, pt := range pts {
		vs[i] = pt.V
	}
	slices.Sort(vs)
	rank := int(math.Ceil(p / 100 * float64(len(vs))))
	return vs[max(rank, 1)-1]
}

// rightsize is the rightsize rule of one kind of resource.
func (c *check) rightsize(k sizing) {
	r := c.in.Resource
	if r.State != k.state || c.types == nil {
		return
	}
	curName, catName := k.typeOf(r)
	if curName == "" {
		return
	}
	high, basis, pts, period := c.highCPU(k.namespace)
	if !c.enough(k.rule, pts, period) {
		return
	}
	head := c.t.RightsizeHeadroomPercent
	if high*2 >= head {
		return // not over-provisioned: its CPU would not fit on half its vCPUs
	}
	cat, err := c.types.InstanceTypes(r.Region)
	if err != nil {
		return // no catalogue: nothing to compare with (the scan reports the failure)
	}
	cur, ok := cat[catName]
	if !ok {
		return
	}
	if cur.Burstable {
		// A burstable instance is judged on its credits first: one that ran
		// out is short of CPU, whatever its percentage says.
		credits, _ := c.seriesIn(k.namespace, "CPUCreditBalance", "Minimum")
		if len(credits) == 0 || minOf(credits) <= c.t.CPUCreditsMin {
			return
		}
	}
	memHigh := -1.0
	if k.memory {
		if mem, _ := c.seriesIn("CWAgent", "mem_used_percent", "Maximum"); len(mem) > 0 {
			memHigh = percentile(mem, 99)
		}
	}
	windows := r.EC2 != nil && strings.HasPrefix(r.EC2.Platform, "Windows")
	var passing []candidate
	for _, cand := range candidates(cur, cat, windows && k.windowsA) {
		cand.name = k.nameOf(cand.t.Name)
		cand.cpu = high * float64(cur.VCPU) / float64(cand.t.VCPU)
		cand.mem = -1
		if cand.cpu >= head {
			continue
		}
		if memHigh >= 0 {
			cand.mem = memHigh * float64(cur.MemoryMiB) / float64(cand.t.MemoryMiB)
			if cand.mem >= head {
				continue
			}
		} else if cand.t.MemoryMiB < cur.MemoryMiB {
			continue // memory not measured: keep it
		}
		passing = append(passing, cand)
	}
	if len(passing) == 0 {
		return
	}
	curItem, why := k.price(r, curName)
	var curPrice cloudscope.UnitPrice
	if why == "" {
		curPrice = c.prices.UnitPrice(r.Region, curItem)
		why = curPrice.Unavailable
	}
	var best, sameArch *candidate
	if why != "" {
		// No price for the current size: only a smaller size of the same
		// family is surely cheaper (a family's prices grow with its size);
		// the smallest that passes is named, without a figure.
		cf, _ := parseType(cur.Name)
		for i := range passing {
			if f, _ := parseType(passing[i].t.Name); f.name == cf.name && best == nil {
				best = &passing[i]
			}
		}
	} else {
		for i := range passing {
			cand := &passing[i]
			item, _ := k.price(r, cand.name)
			cand.price = c.prices.UnitPrice(r.Region, item)
			if cand.price.Unavailable != "" || cand.price.Currency != curPrice.Currency || cand.price.Amount.Cmp(curPrice.Amount) >= 0 {
				continue // not offered here, or not cheaper
			}
			if best == nil || cand.price.Amount.Cmp(best.price.Amount) < 0 || cand.price.Amount.Cmp(best.price.Amount) == 0 && best.migration && !cand.migration {
				best = cand
			}
			if !cand.migration && (sameArch == nil || cand.price.Amount.Cmp(sameArch.price.Amount) < 0) {
				sameArch = cand
			}
		}
	}
	if best == nil {
		return
	}
	c.proposeRightsize(k, curName, cur, curPrice, why, best, sameArch, high, memHigh, basis, pts)
}

// proposeRightsize records the finding of a chosen target.
func (c *check) proposeRightsize(k sizing, curName string, cur cloudscope.InstanceType, curPrice cloudscope.UnitPrice, noPrice string,
	best, sameArch *candidate, high, memHigh float64, basis string, pts []cloudscope.Point) {
	head := c.t.RightsizeHeadroomPercent
	size := func(name string, t cloudscope.InstanceType, p cloudscope.UnitPrice) cloudscope.InstanceSize {
		s := cloudscope.InstanceSize{Type: name, VCPU: t.VCPU, MemoryGiB: round(t.MemoryGiB()), Architecture: strings.Join(t.Architectures, ",")}
		if p.Unavailable == "" && p.Currency != "" {
			a := p.Amount
			s.HourlyPrice, s.Currency = &a, p.Currency
		}
		return s
	}
	rs := &cloudscope.Rightsizing{
		Current: size(curName, cur, curPrice), Target: size(best.name, best.t, best.price), Migration: best.migration,
		Basis: basis, HeadroomPercent: head, ObservedCPUPercent: round(high), ProjectedCPUPercent: round(best.cpu),
	}
	observed := map[string]float64{
		"observed_cpu_percent": round(high), "projected_cpu_percent": round(best.cpu), "headroom_percent": head,
		"current_vcpu": float64(cur.VCPU), "target_vcpu": float64(best.t.VCPU),
		"current_memory_gib": round(cur.MemoryGiB()), "target_memory_gib": round(best.t.MemoryGiB()),
	}
	memNote := ""
	if memHigh >= 0 {
		om, pm := round(memHigh), round(best.mem)
		rs.ObservedMemoryPercent, rs.ProjectedMemoryPercent = &om, &pm
		observed["observed_memory_percent"], observed["projected_memory_percent"] = om, pm
	} else {
		memNote = "CPU only: memory not measured"
		rs.MemoryNote = memNote
	}
	title := fmt.Sprintf("%s -> %s: projected CPU %.1f%% (under %.0f%%)", curName, best.name, best.cpu, head)
	if best.migration {
		title += ", Graviton (a migration)"
	}
	rec := fmt.Sprintf("Move from %s to %s. %s", rs.Current, rs.Target, k.howTo)
	if best.migration {
		rec += " " + k.armNote
		if sameArch != nil {
			rs.Alternative = sameArch.name
			rec += fmt.Sprintf(" Without a migration, %s (%s %s/hour) also fits.", sameArch.name, sameArch.price.Amount, sameArch.price.Currency)
		}
	}
	if memNote != "" {
		if k.memory {
			rec += " " + memNote + " (the CloudWatch agent publishes mem_used_percent): the target keeps the current memory."
		} else {
			rec += " " + memNote + ": the target keeps the current memory."
		}
	}
	src := Rules[k.rule] + " (statistic: " + basis + ")"
	f := c.find(k.rule, cloudscope.Info, title, observed, threshold(head, "<", "Percent (projected)", src), pts, rec)
	f.Rightsize = rs
	if noPrice != "" {
		f.Savings = &cloudscope.Savings{Unavailable: fmt.Sprintf("no saving estimated: %s %s in %s: %s", k.noun, curName, c.in.Resource.Region, noPrice)}
		return
	}
	var b bill
	b.add(c, mustItem(k, c.in.Resource, curName), hours, curName+" hours", 1)
	b.add(c, mustItem(k, c.in.Resource, best.name), hours, best.name+" hours", -1)
	if b.unavailable == "" {
		diff := curPrice.Amount.Sub(best.price.Amount)
		b.price = &diff
	}
	f.Savings = b.savings(curName + " -> " + best.name)
}

func mustItem(k sizing, r cloudscope.Resource, name string) cloudscope.PriceItem {
	item, _ := k.price(r, name)
	return item
}

// coveredRules are the findings whose action a rightsize finding of the
// same resource names precisely.
var coveredRules = map[string]string{EC2Underutilised: EC2Rightsize, RDSIdle: RDSRightsize}

// linkRightsize points the underutilised instance's or idle database's
// finding, among fs (one resource's findings), at its rightsize finding.
func linkRightsize(fs []cloudscope.Finding) {
	for i := range fs {
		want, ok := coveredRules[fs[i].Rule]
		if !ok {
			continue
		}
		for _, g := range fs {
			if g.Rule != want || g.Rightsize == nil {
				continue
			}
			fs[i].SeeAlso = g.ID
			saving := ""
			if g.Savings != nil && g.Savings.Monthly != nil {
				saving = fmt.Sprintf(", saving %s %s/month", g.Savings.Monthly.Cents(), g.Savings.Currency)
			}
			move := fmt.Sprintf("Rightsize to %s (see the %s finding%s).", g.Rightsize.Target.Type, want, saving)
			if fs[i].Rule == RDSIdle {
				fs[i].Recommendation += " If it must stay, r" + strings.TrimPrefix(move, "R")
			} else {
				fs[i].Recommendation = move
			}
		}
	}
}
