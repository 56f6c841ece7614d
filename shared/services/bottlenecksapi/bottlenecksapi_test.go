package bottlenecksapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/regions"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// POST /scans starts the scan's state machine: one execution named the
// scan's id, whose input the plan state reads back.
func TestPostScansStartsTheStateMachine(t *testing.T) {
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:cloudscope-scan"
	var got *sfn.StartExecutionInput
	h := func(_ context.Context, c awsstub.Call) (any, error) {
		got = c.Input.(*sfn.StartExecutionInput)
		return &sfn.StartExecutionOutput{ExecutionArn: aws.String(machine + ":manual-1")}, nil
	}
	if err := StartStateMachine(awsstub.Clients(h), machine)(context.Background(), "manual-1"); err != nil {
		t.Fatal(err)
	}
	var in scanapp.Event
	if got == nil || aws.ToString(got.StateMachineArn) != machine || aws.ToString(got.Name) != "manual-1" ||
		json.Unmarshal([]byte(aws.ToString(got.Input)), &in) != nil || in.ScanID != "manual-1" {
		t.Fatalf("started with %+v", got)
	}
	denied := func(context.Context, awsstub.Call) (any, error) {
		return nil, awsstub.APIError("AccessDeniedException", "no")
	}
	if err := StartStateMachine(awsstub.Clients(denied), machine)(context.Background(), "x"); cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
		t.Errorf("a refused start: %v", err)
	}
}

// The live view in this function plans the account's regions and lists
// no resources: the shard function does.
func TestTheLiveViewListsNoResourcesHere(t *testing.T) {
	list := regions.New(func() regions.API { return describeRegions{"us-east-1", "eu-west-1"} }, 0, nil)
	rs, err := regionsOnly{list}.Regions(context.Background())
	if err != nil || len(rs) != 2 || rs[0].Name != "eu-west-1" {
		t.Errorf("regions %v %v", rs, err)
	}
	if _, err := (regionsOnly{list}).Discover(context.Background(), resourcequery.Query{}); err == nil {
		t.Error("the bottlenecks function listed resources")
	}
}

// describeRegions answers DescribeRegions with names, each enabled.
type describeRegions []string

func (d describeRegions) DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	out := &ec2.DescribeRegionsOutput{}
	for _, n := range d {
		out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(n), OptInStatus: aws.String("opt-in-not-required")})
	}
	return out, nil
}
