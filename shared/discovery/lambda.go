package discovery

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// Lambda functions.
var lambdaType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 3, Name: "lambda", Label: "Lambda function", Plural: "Lambda functions", Summary: "Lambda functions",
		CostService: "AWS Lambda",
		ID:          resourcetypes.IDShape{Pattern: `^[a-zA-Z0-9_-]{1,64}$`, What: "a function name (letters, digits, hyphens and underscores)"},
		States:      []string{"Active"},
		Floor:       60,
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/Lambda", Name: "Invocations", Dimension: "FunctionName", Stats: []string{"Sum"}, Unit: "Count",
				Why: "calls made"},
			{Namespace: "AWS/Lambda", Name: "Errors", Dimension: "FunctionName", Stats: []string{"Sum"}, Unit: "Count",
				Why: "calls that failed; with Invocations, the error rate"},
			{Namespace: "AWS/Lambda", Name: "Throttles", Dimension: "FunctionName", Stats: []string{"Sum"}, Unit: "Count",
				Why: "calls refused for lack of concurrency"},
			{Namespace: "AWS/Lambda", Name: "Duration", Dimension: "FunctionName", Stats: []string{"Average", "Maximum", "p99"}, Unit: "Milliseconds",
				Why: "run time: a p99 near the timeout means calls are about to time out"},
			{Namespace: "AWS/Lambda", Name: "ConcurrentExecutions", Dimension: "FunctionName", Stats: []string{"Maximum"}, Unit: "Count",
				Why: "calls running at once, against the account's or the function's limit"},
		},
	},
	List:       (*Discoverer).listFunctions,
	IAMActions: []string{"lambda:ListFunctions"},
	Measured:   func(cloudscope.Resource) bool { return true },
})

func (s *Discoverer) listFunctions(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := lambda.NewListFunctionsPaginator(s.clients.Lambda(region), &lambda.ListFunctionsInput{MaxItems: aws.Int32(s.opts.LambdaPageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*lambda.ListFunctionsOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "ListFunctions")
		}
		out = slices.Grow(out, len(page.Functions))
		for _, fn := range page.Functions {
			d := &cloudscope.LambdaDetails{
				Runtime:        string(fn.Runtime),
				Architectures:  make([]string, 0, len(fn.Architectures)),
				MemoryMB:       aws.ToInt32(fn.MemorySize),
				TimeoutSeconds: aws.ToInt32(fn.Timeout),
				PackageType:    string(fn.PackageType),
				CodeSizeBytes:  fn.CodeSize,
			}
			for _, a := range fn.Architectures {
				d.Architectures = append(d.Architectures, string(a))
			}
			if len(d.Architectures) == 0 {
				d.Architectures = append(d.Architectures, "x86_64") // Lambda's default when unset
			}
			if t, err := parseLambdaTime(aws.ToString(fn.LastModified)); err == nil {
				d.LastModified = &t
			}
			name := aws.ToString(fn.FunctionName)
			out = append(out, cloudscope.Resource{
				Type:   cloudscope.Lambda,
				ID:     name,
				Name:   name,
				Region: region,
				ARN:    aws.ToString(fn.FunctionArn),
				State:  string(fn.State),
				Lambda: d,
			})
		}
	}
	return out, nil
}
