package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// TestSnapshotJSONStreamed: a sharded scan's snapshot printed with its
// resources read chunk by chunk is, byte for byte, what printJSON prints
// of the snapshot holding them; with none, an empty list.
func TestSnapshotJSONStreamed(t *testing.T) {
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "cli-1", Regions: []string{"eu-west-1"},
		Counts: cloudscope.SnapshotCounts{Resources: 3, ByType: map[cloudscope.ResourceType]int{cloudscope.EC2: 3}}, Errors: []cloudscope.Failure{},
		Calls: map[string]int{"resources": 1}}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	rs := []cloudscope.Resource{
		{AccountID: "111111111111", Type: cloudscope.EC2, ID: "i-1", Region: "eu-west-1", Tags: map[string]string{"team": "<a&b>"}},
		{AccountID: "111111111111", Type: cloudscope.EC2, ID: "i-2", Region: "eu-west-1"},
		{AccountID: "222222222222", Type: cloudscope.EC2, ID: "i-3", Region: "eu-west-1"},
	}
	for _, chunks := range [][][]cloudscope.Resource{{rs[:2], rs[2:]}, {rs}, {}} {
		var all []cloudscope.Resource
		for _, c := range chunks {
			all = append(all, c...)
		}
		whole := *snap
		whole.Resources = append([]cloudscope.Resource{}, all...)
		var want, got bytes.Buffer
		if err := printJSON(&want, &whole); err != nil {
			t.Fatal(err)
		}
		err := printSnapshotJSON(&got, snap, func(fn func([]cloudscope.Resource) error) error {
			for _, c := range chunks {
				if err := fn(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || got.String() != want.String() {
			t.Errorf("%d chunks: %v\n%s\nwant\n%s", len(chunks), err, got.String(), want.String())
		}
	}
}

// TestScanOfAccountsJSON: scan --accounts <id> --regions --json runs the
// sharded scan in this process over the named regions only, and prints
// the snapshot with every resource it read (before, none).
func TestScanOfAccountsJSON(t *testing.T) {
	emulator.Reset(t)
	ctx := context.Background()
	clients, err := demo.Clients(ctx, emulator.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		if _, err := ec2client.In(clients, region).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"),
			InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)}); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := cli(t, "scan", "--accounts", mototest.AccountID, "--regions", "eu-west-1", "--json", "--state", "memory")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var snap cloudscope.Snapshot
	if err := json.Unmarshal([]byte(stdout), &snap); err != nil {
		t.Fatalf("not a snapshot: %v\n%s", err, stdout)
	}
	var instances []string
	for _, r := range snap.Resources {
		if r.AccountID != mototest.AccountID || r.Region != "eu-west-1" {
			t.Errorf("resource %s %s of %q in %s: want the account's, in eu-west-1 only", r.Type, r.ID, r.AccountID, r.Region)
		}
		if r.Type == cloudscope.EC2 {
			instances = append(instances, r.ID)
		}
	}
	if len(instances) != 2 || len(snap.Resources) != snap.Counts.Resources || !slices.Equal(snap.Regions, []string{"eu-west-1"}) {
		t.Errorf("printed %d resources (%d instances), counted %d, regions %v; want the 2 instances of eu-west-1 and their volumes",
			len(snap.Resources), len(instances), snap.Counts.Resources, snap.Regions)
	}
	if !strings.Contains(stderr, "not among the scan's regions") {
		t.Errorf("the regions left out are not said: %s", stderr)
	}
}
