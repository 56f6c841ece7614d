// Package shardinvoke runs a scan's shard on the shard function from
// another function: one Lambda Invoke (RequestResponse) per shard, asked
// live, whose answer carries the shard's part without its resources. It is
// the bottlenecks function's live view: the very shard the state machine
// runs, so that the bottlenecks function links no discovery, metrics or
// prices of its own (scan.EngineDeps.Shards).
package shardinvoke

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/scanapp"
)

// IAMActions lists the actions the runner calls, on the shard function.
var IAMActions = []string{"lambda:InvokeFunction"}

// API is the Lambda call the runner makes.
type API interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// responseTooLarge is the error type Lambda answers when a function's
// answer is over the 6 MB a synchronous invocation may return, and
// tooLargeText what its message says (also when a newer runtime reports
// the failure as Runtime.ExitError): "Response payload size (9706999
// bytes) exceeded maximum allowed payload size (6291556 bytes)."
const (
	responseTooLarge = "Function.ResponseSizeTooLarge"
	tooLargeText     = "exceeded maximum allowed payload size"
)

// New returns a runner of shards on function (the shard function's name or
// ARN).
func New(api API, function string) scan.ShardRunner {
	return func(ctx context.Context, sh cloudscope.Shard, regions []string) (*cloudscope.ShardPart, error) {
		req := scanapp.ShardRequest{Shard: sh, Live: true, Regions: regions}
		if d, ok := ctx.Deadline(); ok {
			req.Deadline = d // the shard stops when the view stops waiting
		}
		payload, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		out, err := api.Invoke(ctx, &lambda.InvokeInput{
			FunctionName: aws.String(function), InvocationType: types.InvocationTypeRequestResponse, Payload: payload,
		})
		if err != nil {
			return nil, awserr.Wrap(err, "lambda Invoke of the shard function for shard "+sh.Key())
		}
		if out.FunctionError != nil {
			var failed struct {
				Message string `json:"errorMessage"`
				Type    string `json:"errorType"`
			}
			_ = json.Unmarshal(out.Payload, &failed)
			switch {
			case failed.Type == responseTooLarge || strings.Contains(failed.Message, tooLargeText):
				what := "region " + sh.Region
				if slices.Contains(sh.Types, cloudscope.S3) {
					what = "the account's buckets"
				}
				return nil, cloudscope.Errorf(cloudscope.CodeTooLarge,
					"the findings of %s are more than a live view can carry (6 MB): read the latest scan (GET /bottlenecks), or start one (POST /scans)", what)
			case failed.Type == scanapp.RetryableErrorName:
				// A failure that passes (throttled, unavailable, timed out):
				// worth the engine's one more try.
				return nil, cloudscope.Errorf(cloudscope.CodeUnavailable, "the shard function could not read shard %s for now: see its log", sh.Key())
			}
			// Its message stays in the shard function's log: it may carry
			// AWS's own text, which names roles and accounts.
			return nil, cloudscope.Errorf(cloudscope.CodeUpstream, "the shard function failed on shard %s (%s %.100s): see its log", sh.Key(), aws.ToString(out.FunctionError), failed.Type)
		}
		var res scanapp.MapResult
		if err := json.Unmarshal(out.Payload, &res); err != nil {
			return nil, fmt.Errorf("the shard function's answer for shard %s: %w", sh.Key(), err)
		}
		if res.Part == nil {
			return nil, fmt.Errorf("the shard function answered shard %s without its part: is it deployed from the same version as this function?", sh.Key())
		}
		return res.Part, nil
	}
}
