package cloudscope

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// priced is a finding of rule on resource id ("type/id") with a saving
// that counts the charges of resources ("type/id", none: the resource's).
func priced(rule, id, account, region, monthly string, resources ...string) Finding {
	typ, rid, _ := strings.Cut(id, "/")
	f := saving(rule, region, account, monthly)
	f.ID, f.ResourceType, f.ResourceID = rule+"/"+account+"/"+region+"/"+rid, ResourceType(typ), rid
	for _, r := range resources {
		t, i, _ := strings.Cut(r, "/")
		f.Savings.Resources = append(f.Savings.Resources, ResourceRef{Type: ResourceType(t), ID: i})
	}
	return f
}

// covers is "rule<-coverer-rule" of each covered finding, sorted.
func covers(fs []Finding) string {
	byID := map[string]string{}
	for _, f := range fs {
		byID[f.ID] = f.Rule
	}
	var out []string
	for _, f := range fs {
		if f.Savings != nil && f.Savings.CoveredBy != "" {
			out = append(out, f.Rule+"<-"+byID[f.Savings.CoveredBy])
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func TestCoverSavingsCountsEachResourceOnce(t *testing.T) {
	const a, b = "111122223333", "444455556666"
	stopped := priced("ec2.stopped_volumes_billed", "ec2/i-1", a, "us-east-1", "12.00", "ec2/i-1", "ebs/vol-a", "ebs/vol-b")
	for _, tc := range []struct {
		name     string
		fs       []Finding
		covers   string
		total    string
		priced   int
		covered  int
		byRule   string // rule=amount, sorted
		byType   string
		byRegion string
	}{
		{"two savings of one volume count the larger",
			[]Finding{priced("ebs.unattached", "ebs/vol-a", a, "us-east-1", "50.00"), priced("ebs.gp2_to_gp3", "ebs/vol-a", a, "us-east-1", "10.00")},
			"ebs.gp2_to_gp3<-ebs.unattached", "50.00", 1, 1, "ebs.unattached=50.00", "ebs=50.00", "us-east-1=50.00"},
		{"a stopped instance's saving covers its volume's",
			[]Finding{priced("ebs.idle", "ebs/vol-a", a, "us-east-1", "8.00"), stopped},
			"ebs.idle<-ec2.stopped_volumes_billed", "12.00", 1, 1, "ec2.stopped_volumes_billed=12.00", "ec2=12.00", "us-east-1=12.00"},
		{"a saving with no resources named counts its finding's",
			[]Finding{priced("ebs.idle", "ebs/vol-b", a, "us-east-1", "4.00", "ebs/vol-b"), priced("other.rule", "ebs/vol-b", a, "us-east-1", "3.00")},
			"other.rule<-ebs.idle", "4.00", 1, 1, "ebs.idle=4.00", "ebs=4.00", "us-east-1=4.00"},
		{"one resource id in two accounts is two resources",
			[]Finding{priced("ebs.unattached", "ebs/vol-a", a, "us-east-1", "50.00"), priced("ebs.unattached", "ebs/vol-a", b, "us-east-1", "50.00")},
			"", "100.00", 2, 0, "ebs.unattached=100.00", "ebs=100.00", "us-east-1=100.00"},
		{"one resource id in two regions is two resources",
			[]Finding{priced("ebs.unattached", "ebs/vol-a", a, "us-east-1", "50.00"), priced("ebs.unattached", "ebs/vol-a", a, "eu-west-1", "40.00")},
			"", "90.00", 2, 0, "ebs.unattached=90.00", "ebs=90.00", "eu-west-1=40.00 us-east-1=50.00"},
		{"one id of two types is two resources",
			[]Finding{priced("elb.idle", "elb/orders", a, "us-east-1", "16.425"), priced("dynamodb.on_demand_cheaper", "dynamodb/orders", a, "us-east-1", "37.23")},
			"", "53.655", 2, 0, "dynamodb.on_demand_cheaper=37.23 elb.idle=16.425", "dynamodb=37.23 elb=16.425", "us-east-1=53.655"},
		{"a tie goes to the saving counting more resources",
			[]Finding{priced("ebs.idle", "ebs/vol-a", a, "us-east-1", "8.00"),
				priced("ec2.stopped_volumes_billed", "ec2/i-1", a, "us-east-1", "8.00", "ec2/i-1", "ebs/vol-a")},
			"ebs.idle<-ec2.stopped_volumes_billed", "8.00", 1, 1, "ec2.stopped_volumes_billed=8.00", "ec2=8.00", "us-east-1=8.00"},
		{"savings without a figure neither cover nor are covered",
			[]Finding{saving("ebs.unattached", "us-east-1", a, ""), saving("ebs.gp2_to_gp3", "us-east-1", a, "")},
			"", "0.00", 0, 0, "", "", ""},
		{"two volumes' savings both under the instance's",
			[]Finding{priced("ebs.idle", "ebs/vol-a", a, "us-east-1", "8.00"), priced("ebs.idle", "ebs/vol-b", a, "us-east-1", "4.00"), stopped},
			"ebs.idle<-ec2.stopped_volumes_billed ebs.idle<-ec2.stopped_volumes_billed", "12.00", 1, 2,
			"ec2.stopped_volumes_billed=12.00", "ec2=12.00", "us-east-1=12.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := slices.Clone(tc.fs)
			CoverSavings(fs)
			if got := covers(fs); got != tc.covers {
				t.Errorf("covers %q, want %q", got, tc.covers)
			}
			s := SumSavings(fs)
			if s.Monthly.String() != tc.total || s.Priced != tc.priced || s.Covered != tc.covered {
				t.Errorf("total %s, %d priced, %d covered; want %s, %d, %d", s.Monthly, s.Priced, s.Covered, tc.total, tc.priced, tc.covered)
			}
			if got := split(s.ByRule); got != tc.byRule {
				t.Errorf("by rule %s, want %s", got, tc.byRule)
			}
			if got := split(s.ByType); got != tc.byType {
				t.Errorf("by type %s, want %s", got, tc.byType)
			}
			if got := split(s.ByRegion); got != tc.byRegion {
				t.Errorf("by region %s, want %s", got, tc.byRegion)
			}
			var byAccount Amount
			for _, m := range s.ByAccount {
				byAccount = byAccount.Add(m)
			}
			if byAccount.Cmp(s.Monthly) != 0 {
				t.Errorf("by account %v adds up to %s, not %s", s.ByAccount, byAccount, s.Monthly)
			}
			// The finding's own saving is kept: each says what its action saves.
			for i := range fs {
				if fs[i].Savings != nil && tc.fs[i].Savings.Monthly != nil && fs[i].Savings.Monthly.Cmp(*tc.fs[i].Savings.Monthly) != 0 {
					t.Errorf("%s's saving changed", fs[i].ID)
				}
			}
		})
	}
}

func split[K ~string](m map[K]Amount) string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%s", k, v))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// Covering again (a merged set, or once more) gives the same marks, and
// never writes through a Savings that another finding shares.
func TestCoverSavingsIsRepeatableAndCopies(t *testing.T) {
	unattached := priced("ebs.unattached", "ebs/vol-a", "", "us-east-1", "50.00")
	gp3 := priced("ebs.gp2_to_gp3", "ebs/vol-a", "", "us-east-1", "10.00")
	shared := gp3.Savings
	fs := []Finding{gp3, unattached}
	CoverSavings(fs)
	if shared.CoveredBy != "" {
		t.Error("the original Savings was marked")
	}
	first := covers(fs)
	CoverSavings(fs)
	if got := covers(fs); got != first || got != "ebs.gp2_to_gp3<-ebs.unattached" {
		t.Errorf("covered again: %q, first %q", got, first)
	}
	// Without the larger saving, the smaller one is no longer covered.
	rest := []Finding{fs[0]}
	CoverSavings(rest)
	if rest[0].Savings.CoveredBy != "" {
		t.Errorf("covered by a finding not among them: %q", rest[0].Savings.CoveredBy)
	}
	RenameCovers(fs, map[string]string{unattached.ID: "renamed"})
	if fs[0].Savings.CoveredBy != "renamed" {
		t.Errorf("renamed cover %q", fs[0].Savings.CoveredBy)
	}
}

// A part of the findings (a filter, the new ones) totals its share of the
// whole: a covered saving is left out even without its coverer.
func TestSumSavingsOfAPartLeavesCoveredOut(t *testing.T) {
	fs := []Finding{priced("ebs.idle", "ebs/vol-a", "", "us-east-1", "8.00"),
		priced("ec2.stopped_volumes_billed", "ec2/i-1", "", "us-east-1", "12.00", "ec2/i-1", "ebs/vol-a")}
	CoverSavings(fs)
	volumes := SumSavings(fs[:1])
	if !volumes.Monthly.IsZero() || volumes.Covered != 1 || volumes.Priced != 0 {
		t.Errorf("the volumes' part %+v", volumes)
	}
}

func TestDiffSavingsCountEachResourceOnce(t *testing.T) {
	idle := priced("ebs.idle", "ebs/vol-a", "", "us-east-1", "8.00")
	idleB := priced("ebs.idle", "ebs/vol-b", "", "us-east-1", "4.00")
	stopped := priced("ec2.stopped_volumes_billed", "ec2/i-1", "", "us-east-1", "12.00", "ec2/i-1", "ebs/vol-a", "ebs/vol-b")
	unattached := priced("ebs.unattached", "ebs/vol-a", "", "us-east-1", "8.00")
	snap := func(id string, fs ...Finding) *Snapshot {
		fs = slices.Clone(fs)
		CoverSavings(fs)
		return &Snapshot{SnapshotHeader: SnapshotHeader{ID: id, Regions: []string{"us-east-1"}}, Findings: fs}
	}
	for _, tc := range []struct {
		name           string
		base, head     *Snapshot
		realized, news string
	}{
		{"the instance and its volumes are deleted: its saving, once",
			snap("a", idle, idleB, stopped), snap("b"), "12.00", "0.00"},
		{"the instance is started again, its idle volume stays: what still bills is not realized",
			snap("a", idle, stopped), snap("b", idle), "4.00", "0.00"},
		{"the instance stops long enough: only what was not counted yet is new",
			snap("a", idle), snap("b", idle, stopped), "0.00", "4.00"},
		{"the instance goes, its volume stays detached",
			snap("a", idle, stopped), snap("b", unattached), "12.00", "8.00"},
		{"nothing changes", snap("a", idle, stopped), snap("b", idle, stopped), "0.00", "0.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := CompareSnapshots(tc.base, tc.head)
			if d.SavingsRealized.Cents() != tc.realized || d.SavingsNew.Cents() != tc.news {
				t.Errorf("realized %s new %s, want %s and %s", d.SavingsRealized, d.SavingsNew, tc.realized, tc.news)
			}
		})
	}
}
