package shardinvoke

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scanapp"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// invoke is a Lambda client that answers every Invoke with fn.
type invoke func(in *lambda.InvokeInput) (*lambda.InvokeOutput, error)

func (f invoke) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	return f(in)
}

var shard = cloudscope.Shard{ScanID: "live", AccountID: "123456789012", Region: "eu-west-1"}

// TestAShardRunsLiveOnTheShardFunction: one synchronous invocation of the
// named function, asking for the shard live; its part comes back as the
// shard function answered it.
func TestAShardRunsLiveOnTheShardFunction(t *testing.T) {
	var asked *lambda.InvokeInput
	deadline := time.Now().Add(25 * time.Second).Truncate(time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	run := New(invoke(func(in *lambda.InvokeInput) (*lambda.InvokeOutput, error) {
		asked = in
		var req scanapp.ShardRequest
		if err := json.Unmarshal(in.Payload, &req); err != nil {
			return nil, err
		}
		part := &cloudscope.ShardPart{Shard: req.Shard, Findings: []cloudscope.Finding{{ID: "ebs.unattached/ebs/eu-west-1/vol-1"}},
			Counts: cloudscope.SnapshotCounts{Resources: 4}}
		payload, _ := json.Marshal(scanapp.MapResult{Shard: req.Key(), Resources: 4, Findings: 1, Part: part})
		return &lambda.InvokeOutput{StatusCode: 200, Payload: payload}, nil
	}), "cloudscope-shard")
	part, err := run(ctx, shard, []string{"eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	var req scanapp.ShardRequest
	if asked == nil || aws.ToString(asked.FunctionName) != "cloudscope-shard" || asked.InvocationType != types.InvocationTypeRequestResponse ||
		json.Unmarshal(asked.Payload, &req) != nil || !req.Live || req.Key() != shard.Key() || req.ScanID != "live" ||
		!slices.Equal(req.Regions, []string{"eu-west-1"}) || !req.Deadline.Equal(deadline) {
		t.Fatalf("asked %+v (%s)", asked, asked.Payload)
	}
	if part.Shard.Key() != shard.Key() || len(part.Findings) != 1 || part.Counts.Resources != 4 {
		t.Errorf("part %+v", part)
	}
}

// TestTheShardFunctionsFailuresAreNamed: a refused invocation keeps its
// class; a function that failed says so without its message (AWS's text,
// which names roles and accounts, stays in the shard function's log); an
// answer over Lambda's 6 MB says what to read instead; an answer without a
// part (a shard function of an older version) is an error, not an empty
// region.
func TestTheShardFunctionsFailuresAreNamed(t *testing.T) {
	failed := func(kind, message string) invoke {
		return func(*lambda.InvokeInput) (*lambda.InvokeOutput, error) {
			payload, _ := json.Marshal(map[string]string{"errorType": kind, "errorMessage": message})
			return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: payload}, nil
		}
	}
	for name, c := range map[string]struct {
		api  invoke
		code cloudscope.ErrorCode
		says string
	}{
		"refused": {func(*lambda.InvokeInput) (*lambda.InvokeOutput, error) {
			return nil, awsstub.APIError("AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/x is not authorized")
		}, cloudscope.CodeAccessDenied, "lambda Invoke"},
		// A failure that passes (the shard function's Throttled) is worth
		// the engine's one more try; any other is not.
		"passing": {failed("Throttled", "sts AssumeRole into account 210987654321: throttled"), cloudscope.CodeUnavailable, "for now"},
		"failed":  {failed("errorString", "sts AssumeRole into account 210987654321: denied"), cloudscope.CodeUpstream, "errorString"},
		// Lambda's answers to a function whose answer is over 6 MB, as
		// recorded: github.com/umihico/pythonista-chromeless/issues/11 (the
		// error type), and github.com/DataBiosphere/azul/issues/7466 (the
		// message a newer runtime reports beside Runtime.ExitError).
		"too large": {failed("Function.ResponseSizeTooLarge", "Response payload size (9706999 bytes) exceeded maximum allowed payload size (6291556 bytes)."),
			cloudscope.CodeTooLarge, "region eu-west-1 are more than a live view can carry (6 MB)"},
		"too large, exited": {failed("Runtime.ExitError", "Response payload size exceeded maximum allowed payload size (6291556 bytes)."),
			cloudscope.CodeTooLarge, "more than a live view can carry"},
		"no part": {func(*lambda.InvokeInput) (*lambda.InvokeOutput, error) {
			return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"shard":"123456789012#eu-west-1","resources":4}`)}, nil
		}, cloudscope.CodeInternal, "without its part"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(c.api, "cloudscope-shard")(context.Background(), shard, nil)
			if err == nil || cloudscope.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v (code %q); want code %q saying %q", err, cloudscope.CodeOf(err), c.code, c.says)
			}
			// What a user is shown is the message (the live view's errors).
			var ce *cloudscope.Error
			if errors.As(err, &ce) && (strings.Contains(ce.Message, "210987654321") || strings.Contains(ce.Message, "assumed-role")) {
				t.Errorf("the message carries AWS's text: %v", ce.Message)
			}
		})
	}
	// The buckets' shard that is too large says so of the buckets, not of
	// the home region it is filed under.
	buckets := cloudscope.Shard{ScanID: "live", AccountID: "123456789012", Region: "us-east-1", Types: []cloudscope.ResourceType{cloudscope.S3}}
	_, err := New(failed("Function.ResponseSizeTooLarge", ""), "cloudscope-shard")(context.Background(), buckets, nil)
	if err == nil || !strings.Contains(err.Error(), "the account's buckets") {
		t.Errorf("the buckets' shard too large: %v", err)
	}
}
