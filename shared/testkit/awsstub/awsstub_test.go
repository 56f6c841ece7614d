package awsstub_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// TestEmptyOutputAnswersAPage: the empty output of an operation is its
// own output type, picked by the input among clients with the same
// operation name, and an SDK client takes it as a page with nothing on it.
func TestEmptyOutputAnswersAPage(t *testing.T) {
	clients := []any{(*elb.Client)(nil), (*elbv2.Client)(nil), (*dynamodb.Client)(nil)}
	out, ok := awsstub.EmptyOutput(awsstub.Call{Operation: "DescribeLoadBalancers", Input: &elbv2.DescribeLoadBalancersInput{}}, clients...)
	if _, isV2 := out.(*elbv2.DescribeLoadBalancersOutput); !ok || !isV2 {
		t.Fatalf("elbv2 DescribeLoadBalancers: %T, %v", out, ok)
	}
	if out, ok := awsstub.EmptyOutput(awsstub.Call{Operation: "ListTables", Input: &dynamodb.ListTablesInput{}}, (*elb.Client)(nil)); ok {
		t.Fatalf("ListTables without the DynamoDB client: %T", out)
	}
	h := func(_ context.Context, c awsstub.Call) (any, error) {
		out, ok := awsstub.EmptyOutput(c, clients...)
		if !ok {
			t.Fatalf("no output for %s.%s", c.Service, c.Operation)
		}
		return out, nil
	}
	c := dynamodb.NewFromConfig(awsstub.Clients(h).Config())
	page, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(page.TableNames) != 0 || page.LastEvaluatedTableName != nil {
		t.Fatalf("ListTables: %+v, %v", page, err)
	}
}
