package bottleneck

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
)

// catalogue is the instance type catalogue the emulator serves: the
// entries of moto 5.2.1's moto/ec2/resources/instance_types.json (its copy
// of DescribeInstanceTypes) for the m5, m5a, m6i, m6a, m7i, m7a, m6g,
// m6gd, m7g, m8g, m7i-flex, t3, t4g and r5 families up to 4xlarge, with
// the fields cloudscope reads.
type catalogue map[string]cloudscope.InstanceType

func (c catalogue) InstanceTypes(string) (map[string]cloudscope.InstanceType, error) { return c, nil }

func motoCatalogue(t *testing.T) catalogue {
	t.Helper()
	b, err := os.ReadFile("testdata/moto-instance-types.json")
	if err != nil {
		t.Fatal(err)
	}
	var out awsec2.DescribeInstanceTypesOutput
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	cat := catalogue{}
	for _, e := range out.InstanceTypes {
		if it, ok := instancetypes.Of(e); ok {
			cat[it.Name] = it
		}
	}
	return cat
}

// instancePrices are on-demand Linux prices per hour in us-east-1 as AWS's
// EC2 on-demand pricing page lists them (m5.large's is the recorded Price
// List record's of the pricing tests); a type it lacks has no price.
var instancePrices = map[string]string{
	"m5.large": "0.096", "m5.xlarge": "0.192", "m5.2xlarge": "0.384",
	"m6g.large": "0.077", "m6g.xlarge": "0.154", "m6g.2xlarge": "0.308",
	"m7g.large": "0.0816", "m7g.xlarge": "0.1632", "m7g.2xlarge": "0.3264",
	"m7i.large": "0.1008", "m7i.xlarge": "0.2016", "m7i.2xlarge": "0.4032",
	"t3.micro": "0.0104", "t3.small": "0.0208", "t3.medium": "0.0416", "t3.large": "0.0832",
	"t4g.micro": "0.0084", "t4g.small": "0.0168", "t4g.medium": "0.0336",
}

var linuxOffer = cloudscope.EC2InstanceOffer{OS: "Linux", Tenancy: "Shared", License: "No License required", Software: "NA"}

func linuxPrices(extra priceTable) priceTable {
	p := priceTable{}
	for typ, amount := range instancePrices {
		p[cloudscope.PriceEC2Instance(typ, linuxOffer)] = [2]string{amount, "Hrs"}
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func instance(typ string) cloudscope.Resource {
	return cloudscope.Resource{Type: cloudscope.EC2, ID: "i-0123456789abcdef0", Region: "us-east-1", State: "running",
		EC2: &cloudscope.EC2Details{InstanceType: typ, Platform: "Linux/UNIX", Tenancy: "default", Architecture: "x86_64"}}
}

// rightsized evaluates one input with the catalogue and prices and returns
// its rightsize finding (nil for none) and every finding by rule.
func rightsized(t *testing.T, in Input, prices Prices, th Thresholds) (*cloudscope.Finding, map[string]cloudscope.Finding) {
	t.Helper()
	res := EvaluateWith([]Input{in}, []cloudscope.Resource{in.Resource}, th, cloudscope.Window{Start: now.Add(-14 * 24 * time.Hour), End: now}, now,
		Sources{Prices: prices, Types: motoCatalogue(t)})
	byRule := map[string]cloudscope.Finding{}
	var rs *cloudscope.Finding
	for i, f := range res.Findings {
		byRule[f.Rule] = f
		if f.Rule == EC2Rightsize || f.Rule == RDSRightsize {
			rs = &res.Findings[i]
		}
	}
	return rs, byRule
}

func TestTheRightsizeChoice(t *testing.T) {
	days := 14 * 24
	cases := []struct {
		name    string
		typ     string
		s       series
		prices  Prices
		headPct float64
		target  string // "" for no finding
		check   func(t *testing.T, f *cloudscope.Finding)
	}{
		{name: "an m5.2xlarge at 20% p99, memory not measured, goes to the Graviton twin (keeping its memory)", typ: "m5.2xlarge",
			s: series{"CPUUtilization/p99": hourly(days, flat(20)), "CPUUtilization/Maximum": hourly(days, flat(35))}, target: "m6g.2xlarge",
			check: func(t *testing.T, f *cloudscope.Finding) {
				rs := f.Rightsize
				if !rs.Migration || rs.Basis != "p99" || rs.ProjectedCPUPercent != 20 || rs.MemoryNote != "CPU only: memory not measured" ||
					rs.ProjectedMemoryPercent != nil || f.Observed["projected_cpu_percent"] != 20 {
					t.Errorf("proposal: %+v", rs)
				}
				if rs.Current.Type != "m5.2xlarge" || rs.Current.VCPU != 8 || rs.Current.MemoryGiB != 32 || rs.Current.HourlyPrice.String() != "0.384" ||
					rs.Target.VCPU != 8 || rs.Target.MemoryGiB != 32 || rs.Target.HourlyPrice.String() != "0.308" || rs.Target.Architecture != "arm64" {
					t.Errorf("sizes: %+v -> %+v", rs.Current, rs.Target)
				}
				s := f.Savings
				if s == nil || s.Monthly == nil || s.Monthly.String() != "55.48" || s.UnitPrice.String() != "0.076" ||
					s.Estimate != "m5.2xlarge -> m6g.2xlarge, 730 m5.2xlarge hours x 0.384 USD/hour - 730 m6g.2xlarge hours x 0.308 USD/hour = 55.48 USD/month" {
					t.Errorf("savings: %+v", s)
				}
				if !strings.Contains(f.Recommendation, "arm64") || !strings.Contains(f.Recommendation, "CPU only: memory not measured") {
					t.Errorf("recommendation: %s", f.Recommendation)
				}
			}},
		{name: "with memory measured, a smaller size passes: the Graviton xlarge is cheapest, the m5.xlarge the same-architecture alternative",
			typ: "m5.2xlarge", s: series{"CPUUtilization/p99": hourly(days, flat(20)), "mem_used_percent/Maximum": hourly(days, flat(30))}, target: "m6g.xlarge",
			check: func(t *testing.T, f *cloudscope.Finding) {
				rs := f.Rightsize
				if rs.ProjectedCPUPercent != 40 || rs.ProjectedMemoryPercent == nil || *rs.ProjectedMemoryPercent != 60 || rs.Alternative != "m5.xlarge" ||
					f.Observed["projected_memory_percent"] != 60 || rs.MemoryNote != "" {
					t.Errorf("proposal: %+v", rs)
				}
				if f.Savings.Monthly.String() != "167.90" { // (0.384 - 0.154) x 730
					t.Errorf("savings: %s", f.Savings.Estimate)
				}
			}},
		{name: "memory limits the choice: at 70% used, halving it would reach 140%", typ: "m5.2xlarge",
			s: series{"CPUUtilization/p99": hourly(days, flat(20)), "mem_used_percent/Maximum": hourly(days, flat(70))}, target: "m6g.2xlarge",
			check: func(t *testing.T, f *cloudscope.Finding) {
				if pm := f.Rightsize.ProjectedMemoryPercent; pm == nil || *pm != 70 {
					t.Errorf("projected memory: %v", pm)
				}
			}},
		{name: "without the Graviton price, a smaller m5 when memory allows", typ: "m5.2xlarge",
			s:      series{"CPUUtilization/p99": hourly(days, flat(20)), "mem_used_percent/Maximum": hourly(days, flat(30))},
			prices: priceTable{cloudscope.PriceEC2Instance("m5.2xlarge", linuxOffer): {"0.384", "Hrs"}, cloudscope.PriceEC2Instance("m5.xlarge", linuxOffer): {"0.192", "Hrs"}, cloudscope.PriceEC2Instance("m5.large", linuxOffer): {"0.096", "Hrs"}},
			target: "m5.xlarge", // m5.large would run at 80%: not under the headroom
			check: func(t *testing.T, f *cloudscope.Finding) {
				if f.Rightsize.Migration || f.Rightsize.ProjectedCPUPercent != 40 || f.Savings.Monthly.String() != "140.16" {
					t.Errorf("%+v %s", f.Rightsize, f.Savings.Estimate)
				}
			}},
		{name: "at 70% p99 it stays", typ: "m5.2xlarge", s: series{"CPUUtilization/p99": hourly(days, flat(70)), "mem_used_percent/Maximum": hourly(days, flat(30))}},
		{name: "a stricter headroom keeps it too", typ: "m5.2xlarge", headPct: 35, s: series{"CPUUtilization/p99": hourly(days, flat(20))}},
		{name: "the hourly maximum stands in for p99 and says so", typ: "m5.2xlarge",
			s: series{"CPUUtilization/Maximum": hourly(days, flat(20))}, target: "m6g.2xlarge",
			check: func(t *testing.T, f *cloudscope.Finding) {
				if f.Rightsize.Basis != "hourly maximum" || !strings.Contains(f.Threshold.Source, "statistic: hourly maximum") {
					t.Errorf("basis %q, source %q", f.Rightsize.Basis, f.Threshold.Source)
				}
			}},
		{name: "a few hot hours do not block it: the 99th percentile of the window", typ: "m5.2xlarge",
			s: series{"CPUUtilization/p99": hourly(days, func(i int) float64 {
				if i%200 == 0 {
					return 100
				}
				return 20
			})}, target: "m6g.2xlarge"},
		{name: "a t3 out of credits is not downsized", typ: "t3.medium",
			s: series{"CPUUtilization/Maximum": hourly(days, flat(10)), "mem_used_percent/Maximum": hourly(days, flat(10)),
				"CPUCreditBalance/Minimum": hourly(days, func(i int) float64 { return float64(i % 50) })}},
		{name: "a t3 with credits to spare and little memory used goes smaller", typ: "t3.medium",
			s: series{"CPUUtilization/Maximum": hourly(days, flat(10)), "mem_used_percent/Maximum": hourly(days, flat(20)),
				"CPUCreditBalance/Minimum": hourly(days, flat(200))}, target: "t4g.small",
			check: func(t *testing.T, f *cloudscope.Finding) {
				// 20% of 4 GiB on a micro's 1 GiB is 80%, not under: a small's 2 GiB runs at 40%.
				if pm := f.Rightsize.ProjectedMemoryPercent; pm == nil || *pm != 40 {
					t.Errorf("projected memory %v", pm)
				}
			}},
		{name: "a t3 whose credits are not measured is left alone", typ: "t3.medium",
			s: series{"CPUUtilization/Maximum": hourly(days, flat(10)), "mem_used_percent/Maximum": hourly(days, flat(10))}},
		{name: "too little data is undecided, not idle", typ: "m5.2xlarge", s: series{"CPUUtilization/p99": hourly(10, flat(5))}},
		{name: "nothing cheaper passes: no finding", typ: "m6g.large", s: series{"CPUUtilization/p99": hourly(days, flat(45))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := Defaults
			if tc.headPct > 0 {
				th.RightsizeHeadroomPercent = tc.headPct
			}
			prices := tc.prices
			if prices == nil {
				prices = linuxPrices(nil)
			}
			f, _ := rightsized(t, input(instance(tc.typ), tc.s), prices, th)
			switch {
			case tc.target == "" && f != nil:
				t.Fatalf("want no finding, got %s (%s)", f.Title, f.Recommendation)
			case tc.target == "":
				return
			case f == nil:
				t.Fatalf("no finding, want %s", tc.target)
			case f.Rightsize.Target.Type != tc.target:
				t.Fatalf("target %s, want %s (%s)", f.Rightsize.Target.Type, tc.target, f.Title)
			}
			if f.Rightsize.ProjectedCPUPercent >= th.RightsizeHeadroomPercent || f.Severity != cloudscope.Info || f.Rule != EC2Rightsize {
				t.Errorf("finding: %+v", f)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func TestRightsizeWithoutPricesNamesASmallerSizeOfTheFamily(t *testing.T) {
	in := input(instance("m5.2xlarge"), series{"CPUUtilization/Maximum": hourly(14*24, flat(10)), "mem_used_percent/Maximum": hourly(14*24, flat(20))})
	f, _ := rightsized(t, in, nil, Defaults)
	if f == nil {
		t.Fatal("no finding")
	}
	// 10% of 8 vCPUs on 2 is 40%; 20% of 32 GiB on 8 is 80%: not under; m5.xlarge's 16 GiB is 40%.
	if f.Rightsize.Target.Type != "m5.xlarge" || f.Savings == nil || f.Savings.Monthly != nil || !strings.Contains(f.Savings.Unavailable, "no price list was consulted") ||
		f.Rightsize.Current.HourlyPrice != nil {
		t.Errorf("%s: %+v %+v", f.Title, f.Rightsize, f.Savings)
	}
}

func TestUnderutilisedAndIdlePointAtTheRightsizeFinding(t *testing.T) {
	in := input(instance("m5.2xlarge"), series{"CPUUtilization/p99": hourly(14*24, flat(4)), "CPUUtilization/Average": hourly(14*24, flat(2)),
		"CPUUtilization/Maximum": hourly(14*24, flat(5))})
	rs, byRule := rightsized(t, in, linuxPrices(nil), Defaults)
	u, ok := byRule[EC2Underutilised]
	if rs == nil || !ok {
		t.Fatalf("findings: %v", byRule)
	}
	if u.SeeAlso != rs.ID || !strings.Contains(u.Recommendation, "Rightsize to m6g.2xlarge (see the ec2.rightsize finding, saving 55.48 USD/month)") {
		t.Errorf("underutilised: see %q, %q", u.SeeAlso, u.Recommendation)
	}
	// The database: idle for a week, rightsized to a class its engine is priced in.
	db := cloudscope.Resource{Type: cloudscope.RDS, ID: "reports-db", Region: "us-east-1", State: "available",
		RDS: &cloudscope.RDSDetails{InstanceClass: "db.m5.xlarge", Engine: "postgres", LicenseModel: "postgresql-license"}}
	pg := cloudscope.RDSInstanceOffer{Engine: "PostgreSQL", Deployment: "Single-AZ", License: "No license required"}
	prices := priceTable{cloudscope.PriceRDSInstance("db.m5.xlarge", pg): {"0.356", "Hrs"}, cloudscope.PriceRDSInstance("db.m6g.xlarge", pg): {"0.318", "Hrs"}}
	dbIn := input(db, series{"CPUUtilization/Maximum": hourly(14*24, flat(3)), "DatabaseConnections/Maximum": hourly(14*24, flat(0))})
	rs, byRule = rightsized(t, dbIn, prices, Defaults)
	idle, ok := byRule[RDSIdle]
	if rs == nil || !ok || rs.Rule != RDSRightsize || rs.Rightsize.Target.Type != "db.m6g.xlarge" || rs.Rightsize.MemoryNote != "CPU only: memory not measured" {
		t.Fatalf("database findings: %v", byRule)
	}
	if idle.SeeAlso != rs.ID || !strings.HasPrefix(idle.Recommendation, "Nothing connects") || !strings.Contains(idle.Recommendation, "If it must stay, rightsize to db.m6g.xlarge") {
		t.Errorf("idle: %q %q", idle.SeeAlso, idle.Recommendation)
	}
	if rs.Savings.Monthly.String() != "27.74" { // (0.356 - 0.318) x 730
		t.Errorf("database savings: %s", rs.Savings.Estimate)
	}
}

func TestNoCatalogueDecidesNothing(t *testing.T) {
	in := input(instance("m5.2xlarge"), series{"CPUUtilization/p99": hourly(14*24, flat(5))})
	res := EvaluateWith([]Input{in}, nil, Defaults, cloudscope.Window{}, now, Sources{Prices: linuxPrices(nil), Types: failing{}})
	for _, f := range res.Findings {
		if f.Rule == EC2Rightsize {
			t.Errorf("a rightsize finding without a catalogue: %s", f.Title)
		}
	}
}

type failing struct{}

func (failing) InstanceTypes(string) (map[string]cloudscope.InstanceType, error) {
	return nil, errors.New("denied")
}

func TestCandidates(t *testing.T) {
	cat := motoCatalogue(t)
	names := func(cs []candidate) string {
		var out []string
		for _, c := range cs {
			n := c.t.Name
			if c.migration {
				n += "*"
			}
			out = append(out, n)
		}
		return strings.Join(out, " ")
	}
	// m5.xlarge: its smaller size, the newer current x86 generations, the Graviton ones (marked); never larger, never m6gd (another feature), never t3.
	if got, want := names(candidates(cat["m5.xlarge"], cat, false)), "m6g.medium* m7a.medium m7g.medium* m8g.medium* m5.large m6a.large m6g.large* m7a.large m7g.large* m7i.large m8g.large* m6a.xlarge m6g.xlarge* m7a.xlarge m7g.xlarge* m7i.xlarge m8g.xlarge*"; got != want {
		t.Errorf("m5.xlarge:\n got %s\nwant %s", got, want)
	}
	// Windows has no Graviton.
	if got := names(candidates(cat["m5.xlarge"], cat, true)); strings.Contains(got, "*") {
		t.Errorf("windows: %s", got)
	}
	for name, want := range map[string]family{
		"m6gd.xlarge":    {name: "m6gd", class: "m", gen: 6, processor: "g", features: "d", size: "xlarge"},
		"m7i-flex.large": {name: "m7i-flex", class: "m", gen: 7, processor: "i", features: "-flex", size: "large"},
		"t3a.micro":      {name: "t3a", class: "t", gen: 3, processor: "a", size: "micro"},
	} {
		if got, ok := parseType(name); !ok || got != want {
			t.Errorf("%s: %+v", name, got)
		}
	}
}

func TestTheHeadroomIsASetting(t *testing.T) {
	if Defaults.RightsizeHeadroomPercent != 80 {
		t.Errorf("default %v", Defaults.RightsizeHeadroomPercent)
	}
	th, err := ParseThresholds(`{"rightsize_headroom_percent": 70}`)
	if err != nil || th.RightsizeHeadroomPercent != 70 {
		t.Errorf("%v %v", th.RightsizeHeadroomPercent, err)
	}
	if _, err := ParseThresholds(`{"rightsize_headroom_percent": 120}`); err == nil {
		t.Errorf("120%% accepted")
	}
}

func TestTheRightsizeRulesDeclareWhatTheyRead(t *testing.T) {
	d := Declared()
	for _, id := range []string{EC2Rightsize, RDSRightsize} {
		r, ok := d[id]
		if !ok || len(r.Metrics) == 0 || r.Precondition == "" || r.Catalogue == "" || r.Prices == "" {
			t.Errorf("%s: %+v", id, r)
		}
		for _, m := range r.Metrics {
			if m.Namespace == "" || m.Name == "" || len(m.Stats) == 0 || m.PeriodS <= 0 || m.WindowD <= 0 {
				t.Errorf("%s reads %+v", id, m)
			}
		}
	}
}
