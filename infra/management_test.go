package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/costs"
)

// TestTheManagementStack synthesizes the stack a delegated administrator
// deploys in the management account: the reader role (named and granted
// as the members', the one-hour sessions of theirs) and the cost role
// (Cost Explorer's reads and nothing else), each trusting only the role
// ARNs of its parameter and only inside the organization; cdk-nag and
// cfn-lint find nothing.
func TestTheManagementStack(t *testing.T) {
	assets, _ := placeholders(t.TempDir())
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
		"cloudscope:assetDir": assets, "cloudscope:dashboard": "false",
		"cloudscope:accounts": "org", "cloudscope:orgId": testOrgID, "cloudscope:memberOUs": "r-ab12",
		"cloudscope:delegatedAdmin": "true", "cloudscope:managementAccount": testManagement}})
	settings, err := SettingsFrom(app)
	if err != nil {
		t.Fatal(err)
	}
	st := NewManagementStack(app, ManagementStackName, &StackProps{Settings: settings})
	tmpl := assertions.Template_FromStack(st, nil)
	raw, _ := json.MarshalIndent(tmpl.ToJSON(), "", " ")
	var doc struct {
		Parameters map[string]map[string]any
		Resources  map[string]map[string]any
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Parameters) != 2 || len(doc.Resources) != 2 {
		t.Errorf("parameters %v, resources %v: want the two lists of trusted roles and the two roles alone (no CDK bootstrap in the management account)", doc.Parameters, doc.Resources)
	}
	for _, p := range []string{paramReaderTrusted, paramCostTrusted} {
		if doc.Parameters[p]["Type"] != "CommaDelimitedList" {
			t.Errorf("parameter %s: %v", p, doc.Parameters[p])
		}
	}
	for id, want := range map[string]struct {
		name    string
		trusted string
		actions []string
	}{
		"ReaderRole":     {DefaultMemberRole, paramReaderTrusted, memberActions()},
		"CostReaderRole": {accounts.DefaultCostRole, paramCostTrusted, costs.IAMActions},
	} {
		r := doc.Resources[id]
		p := props(r)
		if r["Type"] != "AWS::IAM::Role" || p["RoleName"] != want.name || p["MaxSessionDuration"] != 3600.0 || p["ManagedPolicyArns"] != nil {
			t.Errorf("%s: %v", id, p)
			continue
		}
		trust := p["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
		if len(trust) != 1 || fmt.Sprint(trust[0]) != fmt.Sprintf("map[Action:sts:AssumeRole Condition:map[StringEquals:map[aws:PrincipalOrgID:%s]] Effect:Allow Principal:map[AWS:map[Ref:%s]]]", testOrgID, want.trusted) {
			t.Errorf("%s trusts %v", id, trust)
		}
		var actions []string
		for _, pol := range p["Policies"].([]any) {
			for _, s := range pol.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := s.(map[string]any)
				if s["Effect"] != "Allow" || s["Resource"] != "*" {
					t.Errorf("%s: statement %v", id, s)
				}
				for _, a := range s["Action"].([]any) {
					actions = append(actions, a.(string))
				}
			}
		}
		slices.Sort(actions)
		w := slices.Clone(want.actions)
		slices.Sort(w)
		if !slices.Equal(actions, w) {
			t.Errorf("%s may do %v, want %v", id, actions, w)
		}
	}
	errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		t.Errorf("cdk-nag: %v: %v", *e.Id, e.Entry.Data)
	}
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint not on PATH: run make deps")
	}
	path := filepath.Join(t.TempDir(), "management.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--", path).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}
