package bottlenecksapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

func TestInvokeScanFunctionIsAsynchronous(t *testing.T) {
	var got *lambda.InvokeInput
	h := func(_ context.Context, c awsstub.Call) (any, error) {
		got = c.Input.(*lambda.InvokeInput)
		return &lambda.InvokeOutput{StatusCode: 202}, nil
	}
	start := InvokeScanFunction(awsstub.Clients(h), "cloudscope-scan")
	if err := start(context.Background(), "manual-1"); err != nil {
		t.Fatal(err)
	}
	var payload map[string]string
	if got == nil || aws.ToString(got.FunctionName) != "cloudscope-scan" || got.InvocationType != lambdatypes.InvocationTypeEvent ||
		json.Unmarshal(got.Payload, &payload) != nil || payload["scan_id"] != "manual-1" {
		t.Fatalf("invoked with %+v", got)
	}
	id, err := scanapp.ScanIDOf(got.Payload) // what the scan function reads back
	if err != nil || id != "manual-1" {
		t.Errorf("the scan function would read %q, %v", id, err)
	}
	denied := func(context.Context, awsstub.Call) (any, error) {
		return nil, awsstub.APIError("AccessDeniedException", "no")
	}
	if err := InvokeScanFunction(awsstub.Clients(denied), "cloudscope-scan")(context.Background(), "x"); cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
		t.Errorf("a refused invocation: %v", err)
	}
}
