package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/demo"
)

// Two identities sharing one state file (the management account, and a
// member reached through AssumeRole in the emulator) each see only their
// own scans, `latest` and cost answers.
func TestTwoIdentitiesShareAStateFileApart(t *testing.T) {
	emulator.Reset(t)
	ctx := context.Background()
	mgmt, err := demo.Clients(ctx, emulator.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mgmt.Config()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsclient.Home(mgmt), "arn:aws:iam::222222222222:role/cloudscope-reader"))
	member := awsconf.NewClients(cfg)
	for name, c := range map[string]*awsconf.Clients{"management": mgmt, "member": member} {
		out, err := stsclient.Home(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(name, err)
		}
		t.Logf("%s: account %s", name, aws.ToString(out.Account))
	}
	if out, _ := stsclient.Home(member).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); aws.ToString(out.Account) != "222222222222" {
		t.Fatalf("the member's identity is %s", aws.ToString(out.Account))
	}
	if _, err := ec2client.In(mgmt, "us-east-1").RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"),
		InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	conf, err := appconfig.From(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.db")
	serveAs := func(clients *awsconf.Clients, check func(env *environment, base string)) {
		env := &environment{conf: conf, log: testLogger(t), stdout: os.Stderr, stderr: os.Stderr}
		local, closeState, err := openState(env, state, clients)
		if err != nil {
			t.Fatal(err)
		}
		defer closeState()
		env.local = local
		ctx, cancel := context.WithCancel(ctx)
		served := make(chan error, 1)
		urls := make(chan string, 1)
		go func() { served <- listenAndServe(ctx, env, "127.0.0.1:0", clients, nil, func(u string) { urls <- u }) }()
		check(env, <-urls)
		cancel()
		if err := <-served; err != nil {
			t.Fatal(err)
		}
	}
	type headers struct {
		Snapshots []struct{ ID string } `json:"snapshots"`
	}
	type page struct {
		Source     string `json:"source"`
		SnapshotID string `json:"snapshot_id"`
	}
	var mgmtScan string
	serveAs(mgmt, func(env *environment, base string) {
		mgmtScan = firstScan(t, base)
		var hs headers
		getJSON(t, base+"/snapshots", &hs)
		var latest page
		getJSON(t, base+"/resources?types=ec2", &latest)
		if len(hs.Snapshots) != 1 || latest.SnapshotID != mgmtScan {
			t.Fatalf("the management account after its scan: %+v, %+v", hs, latest)
		}
		if err := env.local.CostCache.Put(ctx, "a question", []byte("management's answer"), time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	serveAs(member, func(env *environment, base string) {
		var hs headers
		getJSON(t, base+"/snapshots", &hs)
		var latest page
		getJSON(t, base+"/resources?types=ec2", &latest)
		if len(hs.Snapshots) != 0 || latest.SnapshotID == mgmtScan || latest.Source == "latest" {
			t.Errorf("the member sees the management account's scans: %+v, %+v", hs, latest)
		}
		if v, ok, err := env.local.CostCache.Get(ctx, "a question"); ok || err != nil {
			t.Errorf("the member reads the management account's cost answer %q (%v)", v, err)
		}
		memberScan := firstScan(t, base)
		getJSON(t, base+"/snapshots", &hs)
		if len(hs.Snapshots) != 1 || hs.Snapshots[0].ID != memberScan {
			t.Errorf("the member's own history: %+v", hs)
		}
	})
	serveAs(mgmt, func(env *environment, base string) {
		var hs headers
		getJSON(t, base+"/snapshots", &hs)
		var latest page
		getJSON(t, base+"/resources?types=ec2", &latest)
		if len(hs.Snapshots) != 1 || hs.Snapshots[0].ID != mgmtScan || latest.SnapshotID != mgmtScan {
			t.Errorf("the management account after the member's scan: %+v, %+v", hs, latest)
		}
		if v, ok, err := env.local.CostCache.Get(ctx, "a question"); !ok || err != nil || string(v) != "management's answer" {
			t.Errorf("the management account's cost answer: %q %v %v", v, ok, err)
		}
	})
}
