package sfnstart

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// TestStartRunsEachScanOnce starts a scan on the emulator's Step Functions
// twice: one execution, named after the scan, with {"scan_id"} as its input;
// IAMActions names exactly the calls made.
func TestStartRunsEachScanOnce(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	var mu sync.Mutex
	calls := map[string]bool{}
	observe := awsstub.Observe(func(c awsstub.Call) { mu.Lock(); calls["states:"+c.Operation] = true; mu.Unlock() })
	admin := sfn.NewFromConfig(moto.Config(t, "", awsconf.Options{}))
	sm, err := admin.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("scan"), RoleArn: aws.String("arn:aws:iam::" + mototest.AccountID + ":role/scan-machine"),
		Definition: aws.String(`{"StartAt": "Plan", "States": {"Plan": {"Type": "Pass", "End": true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	st := New(sfn.NewFromConfig(moto.Config(t, "", awsconf.Options{APIOptions: []func(*middleware.Stack) error{observe}})), aws.ToString(sm.StateMachineArn))
	id := "manual-20261126T090000Z-0a1b2c3d"
	for range 2 {
		if err := st.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	list, err := admin.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != id {
		t.Fatalf("executions %+v", list.Executions)
	}
	ex, err := admin.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: list.Executions[0].ExecutionArn})
	if err != nil || aws.ToString(ex.Input) != `{"scan_id":"`+id+`"}` {
		t.Errorf("input %q %v", aws.ToString(ex.Input), err)
	}
	if len(calls) != 1 || !calls[IAMActions[0]] || len(IAMActions) != 1 {
		t.Errorf("calls %v, IAMActions %v", calls, IAMActions)
	}
}

func TestStartRefusesWhatCannotNameAnExecution(t *testing.T) {
	moto.Reset(t)
	st := New(sfn.NewFromConfig(moto.Config(t, "", awsconf.Options{})), "arn:aws:states:us-east-1:"+mototest.AccountID+":stateMachine:absent")
	for _, id := range []string{"", "a:b", "a b", strings.Repeat("x", 81)} {
		if err := st.Start(context.Background(), id); err == nil || !strings.Contains(err.Error(), "cannot name a Step Functions execution") {
			t.Errorf("%q: %v", id, err)
		}
	}
	if err := st.Start(context.Background(), "f2b0c7a4-6e1d-4c1e-9d55-1e2f3a4b5c6d"); err == nil || !strings.Contains(err.Error(), "states StartExecution of scan") {
		t.Errorf("a state machine that does not exist: %v", err)
	}
}
