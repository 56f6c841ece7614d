package bottlenecksapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
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
