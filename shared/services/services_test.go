package services

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/scan"
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

func TestStoreFollowsTheConfiguration(t *testing.T) {
	clients := awsstub.Clients(func(context.Context, awsstub.Call) (any, error) { return nil, nil })
	if s, err := Store(appconfig.Config{}, clients, nil); s != nil || err == nil || !strings.Contains(err.Error(), "CLOUDSCOPE_TABLE") {
		t.Errorf("no table and no local choice: %v, %v; want an error naming CLOUDSCOPE_TABLE", s, err)
	}
	local := memstore.New()
	if s, err := Store(appconfig.Config{}, clients, local); s != local || err != nil {
		t.Errorf("no table, memory chosen: %T %v", s, err)
	}
	for _, l := range []StateStore{nil, local} {
		if s, err := Store(appconfig.Config{Table: "cloudscope"}, clients, l); err != nil {
			t.Error(err)
		} else if _, ok := s.(*dynamostore.SnapshotStore); !ok {
			t.Errorf("a table should mean DynamoDB, got %T", s)
		} else if SnapshotReads(s) == nil {
			t.Error("the table's store should read snapshots in parts, for the diff by merge")
		}
	}
	if SnapshotReads(local) == nil {
		t.Error("the memory store should read snapshots in parts, for the diff by merge")
	}
	if _, ok := Records(appconfig.Config{Table: "cloudscope"}, clients, local.KV()).(*dynamostore.KV); !ok {
		t.Error("records with a table should be kept in DynamoDB")
	}
	if r := Records(appconfig.Config{}, clients, local.KV()); r != kv.Store(local.KV()) {
		t.Errorf("records without a table, memory chosen: %T", r)
	}
	if _, ok := Records(appconfig.Config{}, clients, nil).(*kv.Memory); !ok {
		t.Error("records with no table and no local choice should be kept in memory")
	}
	if arnRegion("arn:aws:sns:eu-west-1:123456789012:findings", "us-east-1") != "eu-west-1" || arnRegion("nonsense", "us-east-1") != "us-east-1" {
		t.Error("arnRegion")
	}
}

// Every route that takes a region asks the account's region list first: an
// unknown region is refused before CloudWatch or discovery is called, and
// the list is read once for many requests.
func TestAllChecksRegionsBeforeAnyOtherCall(t *testing.T) {
	var calls awsstub.Counter
	h := calls.Wrap(func(_ context.Context, c awsstub.Call) (any, error) {
		if _, ok := c.Input.(*ec2.DescribeRegionsInput); ok {
			return &ec2.DescribeRegionsOutput{Regions: []ec2types.Region{
				{RegionName: aws.String("us-east-1"), OptInStatus: aws.String("opt-in-not-required")},
				{RegionName: aws.String("af-south-1"), OptInStatus: aws.String("not-opted-in")},
			}}, nil
		}
		return nil, awsstub.APIError("Unexpected", c.Service+"."+c.Operation)
	})
	deps := All(appconfig.Config{}, awsstub.Clients(h), memstore.New(), nil, nil, func(*scan.Scanner) func(context.Context, string) error { return nil })
	api := httpapi.New(deps)
	for _, target := range []string{
		"/metrics?resource_type=ec2&resource_ids=i-0123456789abcdef0&region=xx-fake-1",
		"/metrics?resource_type=ec2&resource_ids=i-0123456789abcdef0&region=af-south-1",
		"/resources?regions=us-east-1,xx-fake-1",
		"/bottlenecks?regions=xx-fake-1&source=live",
		"/bottlenecks?regions=xx-fake-1",
	} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"invalid_parameter"`) || !strings.Contains(rec.Body.String(), "region") {
			t.Errorf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
	if n := calls.Count("EC2.DescribeRegions"); n != 1 || calls.Total() != 1 {
		t.Errorf("calls %v, want one DescribeRegions and nothing else", calls.String())
	}
}
