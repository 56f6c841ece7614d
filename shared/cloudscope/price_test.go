package cloudscope

import "testing"

func saving(rule, region, account, monthly string) Finding {
	f := Finding{ID: rule + "/" + region, Rule: rule, Region: region, AccountID: account, ResourceType: Volume, Severity: Warning}
	if monthly == "" {
		f.Savings = &Savings{Unavailable: "no price found"}
		return f
	}
	m, err := ParseAmount(monthly)
	if err != nil {
		panic(err)
	}
	f.Savings = &Savings{Monthly: &m, Currency: "USD"}
	return f
}

func TestSumSavings(t *testing.T) {
	fs := []Finding{
		saving("ebs.unattached", "us-east-1", "111122223333", "50.00"),
		saving("ebs.unattached", "eu-west-1", "111122223333", "0.0000001"),
		saving("eip.unassociated", "us-east-1", "444455556666", "3.65"),
		saving("nat.idle", "cn-north-1", "444455556666", ""),
		{ID: "ec2.high_cpu/x", Rule: "ec2.high_cpu", Region: "us-east-1"}, // not a waste finding
	}
	s := SumSavings(fs)
	if s.Monthly.String() != "53.6500001" || s.Priced != 3 || s.Unpriced != 1 || s.Currency != "USD" {
		t.Errorf("total %s priced %d unpriced %d", s.Monthly, s.Priced, s.Unpriced)
	}
	if s.ByAccount["111122223333"].String() != "50.0000001" || s.ByRegion["us-east-1"].String() != "53.65" ||
		s.ByType[Volume].String() != "53.6500001" || s.ByRule["ebs.unattached"].String() != "50.0000001" || len(s.ByRule) != 2 {
		t.Errorf("split %+v", s)
	}
}

func TestDiffSavingsRealizedAndNew(t *testing.T) {
	base := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "a", Regions: []string{"us-east-1"}},
		Findings: []Finding{saving("ebs.unattached", "us-east-1", "", "50.00"), saving("eip.unassociated", "us-east-1", "", "3.65")}}
	head := &Snapshot{SnapshotHeader: SnapshotHeader{ID: "b", Regions: []string{"us-east-1"}},
		Findings: []Finding{saving("eip.unassociated", "us-east-1", "", "3.65"), saving("nat.idle", "us-east-1", "", "32.85")}}
	d := CompareSnapshots(base, head)
	if d.SavingsRealized.String() != "50.00" || d.SavingsNew.String() != "32.85" {
		t.Errorf("realized %s new %s", d.SavingsRealized, d.SavingsNew)
	}
}
