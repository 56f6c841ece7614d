// Package sfnstart starts the scan's state machine: one execution
// per scan, named after the scan's id, so that a scan started twice (POST
// /scans retried, a repeated delivery) runs once.
package sfnstart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
)

// IAMActions lists the actions the starter calls, on the state machine.
var IAMActions = []string{"states:StartExecution"}

// API is the Step Functions call the starter makes.
type API interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// Starter starts executions of one state machine.
type Starter struct {
	client       API
	stateMachine string
}

// New returns a starter of the state machine whose ARN is stateMachine.
func New(client API, stateMachine string) *Starter {
	return &Starter{client: client, stateMachine: stateMachine}
}

// executionName is what Step Functions accepts as an execution's name: 1 to
// 80 characters, none of whitespace, brackets, wildcards or
// "#%\^|~`$&,;:/ (StartExecution's name parameter).
var executionName = regexp.MustCompile("^[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]{1,80}$")

// Start starts scan id: an execution named id with the input
// {"scan_id": id}. An execution of that name that exists already is the
// same scan, started before: Start then does nothing.
func (s *Starter) Start(ctx context.Context, id string) error {
	if !executionName.MatchString(id) {
		return fmt.Errorf("scan id %.80q cannot name a Step Functions execution (1 to 80 characters, no spaces, colons or slashes)", id)
	}
	input, _ := json.Marshal(map[string]string{"scan_id": id})
	_, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.stateMachine), Name: aws.String(id), Input: aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return nil
	}
	if err != nil {
		return awserr.Wrap(err, "states StartExecution of scan "+id)
	}
	return nil
}
