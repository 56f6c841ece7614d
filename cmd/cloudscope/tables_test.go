package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

// The tables show an account column when the resources carry accounts,
// and none in a one-account scan whose resources name no account.
func TestTablesShowTheAccountWhenThereIsOne(t *testing.T) {
	inv := &resourcequery.Inventory{Regions: []string{"us-east-1"}, Resources: []cloudscope.Resource{
		{AccountID: "111111111111", Type: cloudscope.EC2, ID: "i-1", Region: "us-east-1"},
		{AccountID: "222222222222", Type: cloudscope.EC2, ID: "i-1", Region: "us-east-1"},
	}}
	var b bytes.Buffer
	if err := printResources(&b, inv); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "ACCOUNT ") || !regexp.MustCompile(`(?m)^222222222222 +ec2 +us-east-1 +i-1 `).MatchString(b.String()) {
		t.Errorf("resources:\n%s", b.String())
	}
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "s"}, Resources: inv.Resources,
		Findings: []cloudscope.Finding{{AccountID: "222222222222", Severity: cloudscope.Warning, Rule: "ec2.idle", ResourceID: "i-1", Region: "us-east-1", Title: "idle"}}}
	b.Reset()
	if err := printFindings(&b, snap); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "ACCOUNT ") || !regexp.MustCompile(`(?m)^222222222222 +warning +ec2.idle +i-1 `).MatchString(b.String()) {
		t.Errorf("findings:\n%s", b.String())
	}

	for i := range inv.Resources {
		inv.Resources[i].AccountID = ""
	}
	snap.Findings[0].AccountID = ""
	b.Reset()
	if err := printResources(&b, inv); err != nil {
		t.Fatal(err)
	}
	if err := printFindings(&b, snap); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "ACCOUNT") {
		t.Errorf("an account column without accounts:\n%s", b.String())
	}
}
