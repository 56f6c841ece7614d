package instancetypes_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/instancetypes"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

// The pages are DescribeInstanceTypes answers recorded by AWS's
// amazon-ec2-instance-selector for its tests (github.com/aws/amazon-ec2-instance-selector):
// testdata/3_instances.json is test/static/DescribeInstanceTypesPages/3_instances.json
// at commit ef7b7819bf9aa404a5cb68d0152f98bb76d027a4 (a1.2xlarge, a1.4xlarge,
// a1.large), testdata/t3_micro.json is test/static/DescribeInstanceTypes/t3_micro.json
// at commit 565d148614ef5aa034fcbdc8d016b39eea3c0cd9. Both are copied as recorded.
var pages = []string{"testdata/3_instances.json", "testdata/t3_micro.json"}

func recorded(t *testing.T) []*ec2.DescribeInstanceTypesOutput {
	t.Helper()
	var out []*ec2.DescribeInstanceTypesOutput
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var o ec2.DescribeInstanceTypesOutput
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, &o)
	}
	return out
}

// handler answers the recorded pages in turn, a token linking them.
func handler(t *testing.T) awsstub.Handler {
	ps := recorded(t)
	return func(_ context.Context, c awsstub.Call) (any, error) {
		in, ok := c.Input.(*ec2.DescribeInstanceTypesInput)
		if !ok {
			return nil, awsstub.APIError("UnsupportedOperation", c.Operation)
		}
		if aws.ToInt32(in.MaxResults) != instancetypes.PageSize {
			t.Errorf("MaxResults %d", aws.ToInt32(in.MaxResults))
		}
		i := 0
		if in.NextToken != nil {
			i = 1
		}
		out := *ps[i]
		if i == 0 {
			out.NextToken = aws.String("page-2")
		}
		return &out, nil
	}
}

func client(h awsstub.Handler, cache instancetypes.Cache) (*instancetypes.Client, *awsstub.Counter) {
	var calls awsstub.Counter
	clients := awsstub.Clients(calls.Wrap(h))
	return instancetypes.New(func(region string) instancetypes.API { return ec2client.In(clients, region) }, cache), &calls
}

func TestTheCatalogueIsReadInPagesAndKept(t *testing.T) {
	cache := memstore.NewPriceCache(nil)
	c, calls := client(handler(t), cache)
	ctx := context.Background()
	cat, err := c.Types(ctx, "us-east-2")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		vcpu       int32
		mem        int64
		arm, burst bool
	}{
		"a1.large": {2, 4096, true, false}, "a1.2xlarge": {8, 16384, true, false}, "a1.4xlarge": {16, 32768, true, false},
		"t3.micro": {2, 1024, false, true},
	}
	if len(cat) != len(want) {
		t.Errorf("%d types, want %d: %v", len(cat), len(want), cat)
	}
	for name, w := range want {
		it := cat[name]
		if it.VCPU != w.vcpu || it.MemoryMiB != w.mem || it.Arm() != w.arm || it.Burstable != w.burst || !it.Current {
			t.Errorf("%s: %+v", name, it)
		}
	}
	if calls.Count("EC2.DescribeInstanceTypes") != 2 || c.Calls() != 2 {
		t.Errorf("%d calls for two pages (client counts %d)", calls.Count("EC2.DescribeInstanceTypes"), c.Calls())
	}
	// The same process asks again: remembered.
	if _, err := c.Types(ctx, "us-east-2"); err != nil || calls.Total() != 2 {
		t.Errorf("asked twice: %d calls, %v", calls.Total(), err)
	}
	// The next process (the next scan) reads the cache.
	next, calls2 := client(handler(t), cache)
	cat2, err := next.Types(ctx, "us-east-2")
	if err != nil || len(cat2) != len(want) || cat2["a1.large"].VCPU != 2 || calls2.Total() != 0 {
		t.Errorf("from the cache: %d types, %d calls, %v", len(cat2), calls2.Total(), err)
	}
	// Another region is its own catalogue.
	if _, err := next.Types(ctx, "eu-west-1"); err != nil || calls2.Total() != 2 {
		t.Errorf("another region: %d calls, %v", calls2.Total(), err)
	}
}

func TestAFailedReadIsNotKept(t *testing.T) {
	fail := true
	ok := handler(t)
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		if fail {
			return nil, awsstub.APIError("UnauthorizedOperation", "not authorized to perform ec2:DescribeInstanceTypes")
		}
		return ok(ctx, c)
	}
	cache := memstore.NewPriceCache(nil)
	c, calls := client(h, cache)
	clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	c.WithClock(func() time.Time { return clock })
	ctx := context.Background()
	if _, err := c.Types(ctx, "us-east-1"); err == nil {
		t.Fatal("a denied read gave a catalogue")
	}
	fail = false
	if _, err := c.Types(ctx, "us-east-1"); err == nil || calls.Total() != 1 {
		t.Errorf("right after the denial: %d calls, %v", calls.Total(), err)
	}
	if _, hit, _ := cache.Get(ctx, instancetypes.Key("us-east-1")); hit {
		t.Errorf("a failure was cached")
	}
	clock = clock.Add(instancetypes.FailureMemo)
	if cat, err := c.Types(ctx, "us-east-1"); err != nil || len(cat) != 4 {
		t.Errorf("after the memo: %d types, %v", len(cat), err)
	}
}

func TestIAMActionsAreInTheREADME(t *testing.T) {
	readme.RequireIAMActions(t, instancetypes.IAMActions)
}
