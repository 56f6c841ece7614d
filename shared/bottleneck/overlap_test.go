package bottleneck

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// A volume another rule advises deleting gets no advice to modify it.
func TestVolumeToDeleteIsNotMovedToGP3(t *testing.T) {
	days14 := 14 * 24
	idleOps := series{"VolumeReadOps/Sum": hourly(days14, flat(0)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}
	busyOps := series{"VolumeReadOps/Sum": hourly(days14, flat(1e6)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}
	stopped := func(days float64) cloudscope.Resource {
		r := ec2("m5.large", "stopped")
		r.EC2.StoppedAt = daysAgo(days)
		return r
	}
	attached := volume("vol-1", "gp2", 500, "i-0123456789abcdef0")
	for _, tc := range []struct {
		name   string
		inputs []Input
		want   string
	}{
		{"unattached gp2: delete it, only", []Input{{Resource: volume("vol-1", "gp2", 500)}}, "ebs.unattached:warning"},
		{"idle gp2: delete it, only", []Input{input(attached, idleOps)}, "ebs.idle:warning"},
		{"busy gp2: gp3", []Input{input(attached, busyOps)}, "ebs.gp2_to_gp3:info"},
		{"gp2 of an instance stopped 45 days: terminate it with its volumes, only",
			[]Input{{Resource: stopped(45)}, input(attached, busyOps)}, ""},
		{"gp2 of an instance stopped 10 days (its volumes not yet billed as waste): gp3",
			[]Input{{Resource: stopped(10)}, input(attached, busyOps)}, "ebs.gp2_to_gp3:info"},
		{"gp2 of a running instance: gp3", []Input{{Resource: ec2("m5.large", "running")}, input(attached, busyOps)}, "ebs.gp2_to_gp3:info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := judged(usEast1, "vol-1", tc.inputs...); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// The instance's side of the same case: it is flagged, its volume billed.
	if _, byRule := judged(usEast1, "i-0123456789abcdef0", Input{Resource: stopped(45)}, input(attached, busyOps)); byRule[EC2StoppedBilled].Savings == nil {
		t.Error("the stopped instance is not flagged")
	}
}

// volumeToDelete sees the findings made before it on the volume: the rules
// that advise deleting a volume must come before ebs.gp2_to_gp3.
func TestRulesThatDeleteAVolumeComeFirst(t *testing.T) {
	at := func(id string) int { return slices.IndexFunc(rules, func(r rule) bool { return r.id == id }) }
	for id := range deletesVolume {
		if at(id) < 0 || at(id) > at(EBSGP2ToGP3) {
			t.Errorf("%s is at %d, after %s at %d", id, at(id), EBSGP2ToGP3, at(EBSGP2ToGP3))
		}
	}
}

// A stopped instance's volumes are billed by ec2.stopped_volumes_billed and
// one of them again by ebs.idle: the totals count each volume once.
func TestStoppedInstanceVolumesCountOnce(t *testing.T) {
	inst := ec2("m5.large", "stopped")
	inst.EC2.StoppedAt = daysAgo(45)
	idle := volume("vol-a", "gp3", 100, inst.ID) // 100 GB x 0.08 = 8.00
	quiet := volume("vol-b", "gp3", 50, inst.ID) // 50 GB x 0.08 = 4.00, no metrics: undecided
	days14 := 14 * 24
	res := Evaluate([]Input{{Resource: inst}, input(idle, series{"VolumeReadOps/Sum": hourly(days14, flat(0)), "VolumeWriteOps/Sum": hourly(days14, flat(0))}),
		{Resource: quiet}}, Defaults, cloudscope.Window{Start: now.Add(-14 * 24 * time.Hour), End: now}, now, usEast1)
	byRule := map[string]cloudscope.Finding{}
	for _, f := range res.Findings {
		if f.Savings != nil {
			byRule[f.Rule] = f
		}
	}
	billed, vol := byRule[EC2StoppedBilled], byRule[EBSIdle]
	if len(byRule) != 2 || billed.Savings == nil || vol.Savings == nil {
		t.Fatalf("priced findings of %v", slices.Sorted(maps.Keys(byRule)))
	}
	if got := refs(billed.Savings.Resources); got != "ec2/i-0123456789abcdef0 ebs/vol-a ebs/vol-b" {
		t.Errorf("the instance's saving counts %s", got)
	}
	if got := refs(vol.Savings.Resources); got != "ebs/vol-a" {
		t.Errorf("the volume's saving counts %s", got)
	}
	// Alone, each says what its action saves; together they count once.
	if billed.Savings.Monthly.String() != "12.00" || vol.Savings.Monthly.String() != "8.00" {
		t.Errorf("savings %s and %s", billed.Savings.Monthly, vol.Savings.Monthly)
	}
	naive := cloudscope.SumSavings(res.Findings)
	cloudscope.CoverSavings(res.Findings)
	sum := cloudscope.SumSavings(res.Findings)
	if naive.Monthly.String() != "20.00" || sum.Monthly.String() != "12.00" || sum.Priced != 1 || sum.Covered != 1 {
		t.Errorf("total %s (before covering %s), %d priced, %d covered", sum.Monthly, naive.Monthly, sum.Priced, sum.Covered)
	}
	if sum.ByType[cloudscope.EC2].String() != "12.00" || !sum.ByType[cloudscope.Volume].IsZero() || len(sum.ByRule) != 1 ||
		sum.ByRule[EC2StoppedBilled].String() != "12.00" || sum.ByRegion["us-east-1"].String() != "12.00" {
		t.Errorf("split %+v", sum)
	}
	for _, f := range res.Findings {
		if f.Rule == EBSIdle && f.Savings.CoveredBy != billed.ID {
			t.Errorf("ebs.idle covered by %q, want %q", f.Savings.CoveredBy, billed.ID)
		}
	}
}

func refs(rs []cloudscope.ResourceRef) string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Type)+"/"+r.ID)
	}
	return strings.Join(out, " ")
}
