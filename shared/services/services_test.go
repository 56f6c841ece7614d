package services

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

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

// TestOneCallerIdentityPerClients: the store, the cost cache and the price
// cache built over one set of clients ask sts:GetCallerIdentity once in all.
func TestOneCallerIdentityPerClients(t *testing.T) {
	var asked atomic.Int32
	clients := awsstub.Clients(func(_ context.Context, c awsstub.Call) (any, error) {
		if c.Operation != "GetCallerIdentity" {
			return nil, fmt.Errorf("unexpected %s", c.Operation)
		}
		asked.Add(1)
		return &sts.GetCallerIdentityOutput{Account: aws.String("111111111111")}, nil
	})
	for _, setting := range []string{"", "", "org"} {
		conf := appconfig.Config{}
		if setting != "" {
			s, err := accountset.Parse(setting)
			if err != nil {
				t.Fatal(err)
			}
			conf.Accounts = s
		}
		id, err := Identity(conf, clients)(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"": "111111111111", "org": "111111111111~org"}[setting]; id != want {
			t.Errorf("identity %q, want %q", id, want)
		}
	}
	if asked.Load() != 1 {
		t.Errorf("GetCallerIdentity asked %d times for one set of clients, want 1", asked.Load())
	}
}
