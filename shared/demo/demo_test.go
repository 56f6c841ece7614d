package demo

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

func TestClientsOnlyTalkToLoopback(t *testing.T) {
	if _, err := Clients(context.Background(), ""); err == nil {
		t.Error("no endpoint accepted")
	}
	if _, err := Clients(context.Background(), "https://ec2.us-east-1.amazonaws.com"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("an AWS endpoint accepted: %v", err)
	}
	clients, err := Clients(context.Background(), "http://127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	// Whatever redirects a call, the guard refuses it before it leaves.
	_, err = ec2client.In(clients, "us-east-1").DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{},
		func(o *ec2.Options) { o.BaseEndpoint = aws.String("https://ec2.us-east-1.amazonaws.com") })
	if err == nil || !strings.Contains(err.Error(), "refused a request to ec2.us-east-1.amazonaws.com") {
		t.Errorf("got %v", err)
	}
	if v, _ := clients.Config().Credentials.Retrieve(context.Background()); v.AccessKeyID != "testing" {
		t.Errorf("seeding uses credentials %q, not the emulator's", v.AccessKeyID)
	}
}

func TestSeedRefusesARealEndpoint(t *testing.T) {
	cfg, err := sdkconfig.Load(context.Background(), awsconf.Options{Region: "us-east-1", Credentials: mototest.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seed(context.Background(), awsconf.NewClients(cfg), Default, t.Logf); err == nil {
		t.Error("Seed ran without an emulator endpoint")
	}
}

// The emulator has no forecast; the demo's must still be a sound one.
func TestForecastCoversThePeriodWithinItsInterval(t *testing.T) {
	for _, g := range []cetypes.Granularity{cetypes.GranularityDaily, cetypes.GranularityMonthly} {
		out, err := Forecast(&costexplorer.GetCostForecastInput{
			TimePeriod:  &cetypes.DateInterval{Start: aws.String("2026-11-27"), End: aws.String("2027-01-10")},
			Granularity: g,
		})
		if err != nil {
			t.Fatal(err)
		}
		wantPeriods := map[cetypes.Granularity]int{cetypes.GranularityDaily: 44, cetypes.GranularityMonthly: 3}[g]
		if len(out.ForecastResultsByTime) != wantPeriods {
			t.Fatalf("%s: %d periods, want %d", g, len(out.ForecastResultsByTime), wantPeriods)
		}
		next, sum := "2026-11-27", 0.0
		for _, p := range out.ForecastResultsByTime {
			lo, mean, hi := num(t, p.PredictionIntervalLowerBound), num(t, p.MeanValue), num(t, p.PredictionIntervalUpperBound)
			if *p.TimePeriod.Start != next || !(lo < mean && mean < hi) {
				t.Errorf("%s: period %s..%s (want start %s): %v %v %v", g, *p.TimePeriod.Start, *p.TimePeriod.End, next, lo, mean, hi)
			}
			next, sum = *p.TimePeriod.End, sum+mean
		}
		if next != "2027-01-10" || math.Abs(num(t, out.Total.Amount)-sum) > 1e-6 {
			t.Errorf("%s: ends %s, total %s, sum %v", g, next, *out.Total.Amount, sum)
		}
	}
	if _, err := Forecast(&costexplorer.GetCostForecastInput{TimePeriod: &cetypes.DateInterval{Start: aws.String("2026-12-01"), End: aws.String("2026-11-01")}}); err == nil {
		t.Error("a period ending before it starts is accepted")
	}
}

func num(t *testing.T, s *string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(*s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
