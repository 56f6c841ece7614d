package regions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// fakeEC2 answers DescribeRegions with its regions, counting the calls.
type fakeEC2 struct {
	regions map[string]string // name -> opt-in status
	calls   int
	err     error
}

func (f *fakeEC2) DescribeRegions(_ context.Context, in *ec2.DescribeRegionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if !aws.ToBool(in.AllRegions) {
		return nil, errors.New("want AllRegions, to tell a disabled region from an unknown one")
	}
	out := &ec2.DescribeRegionsOutput{}
	for name, status := range f.regions {
		out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(name), OptInStatus: aws.String(status)})
	}
	return out, nil
}

func TestListReadsOncePerPeriodAndChecksNames(t *testing.T) {
	api := &fakeEC2{regions: map[string]string{"us-east-1": "opt-in-not-required", "eu-west-1": "opt-in-not-required", "af-south-1": "not-opted-in", "ap-east-1": "opted-in"}}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := New(func() API { return api }, time.Hour, func() time.Time { return now })
	ctx := context.Background()

	got, err := l.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "ap-east-1,eu-west-1,us-east-1" {
		t.Errorf("enabled regions %v: want the enabled ones, sorted", names)
	}
	if err := l.CheckRegions(ctx, "region", []string{"eu-west-1"}); err != nil {
		t.Errorf("an enabled region: %v", err)
	}
	if err := l.CheckRegions(ctx, "region", []string{"af-south-1"}); cloudscope.CodeOf(err) != cloudscope.CodeInvalid || !strings.Contains(err.Error(), "not enabled") {
		t.Errorf("a disabled region: %v", err)
	}
	if err := l.CheckRegions(ctx, "region", []string{"xx-nowhere-1"}); cloudscope.CodeOf(err) != cloudscope.CodeInvalid || !strings.Contains(err.Error(), "unknown region") {
		t.Errorf("an unknown region: %v", err)
	}
	if api.calls != 1 {
		t.Errorf("%d DescribeRegions within the period; want 1", api.calls)
	}
	now = now.Add(time.Hour)
	if _, err := l.Regions(ctx); err != nil || api.calls != 2 {
		t.Errorf("after the period: %v, %d calls; want a second", err, api.calls)
	}
}

func TestListSaysWhyItCannotRead(t *testing.T) {
	api := &fakeEC2{err: errors.New("connection refused")}
	l := New(func() API { return api }, 0, nil)
	if _, err := l.Regions(context.Background()); err == nil || !strings.Contains(err.Error(), "DescribeRegions") {
		t.Errorf("a failed read: %v", err)
	}
	if err := l.CheckRegions(context.Background(), "region", nil); err != nil {
		t.Errorf("no names to check asks nothing: %v", err)
	}
	if api.calls != 1 {
		t.Errorf("%d calls", api.calls)
	}
}
