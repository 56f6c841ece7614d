// Package fleetstub serves an AWS account from memory, for the scan's
// benchmarks: in each of its regions the same running instances, available
// databases and functions, every page of their lists, every metric series
// at the level the benchmark sets, an empty page for every other type
// discovery lists, and, when it has one, a DynamoDB table for the store.
// Series of one level share one slice: the stub stands in for AWS and
// should cost a benchmark nothing.
package fleetstub

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
)

// Level is the value every hour of metric name of resource id (an
// instance's, a database's or a function's id), or false: the account
// serves no such series, and the read fails.
type Level func(name, id string) (float64, bool)

// Account is one account of the fleet.
type Account struct {
	Regions                         []string
	Instances, Databases, Functions int
	// Owner, when set, is the account id the instances' reservations name.
	Owner string
	// Table, when set, serves the DynamoDB calls discovery does not make
	// (the snapshot store's).
	Table *ddbstub.Table
	// Stamps are the hours every series has a point at.
	Stamps []time.Time
	level  Level

	mu     sync.Mutex
	series map[float64][]float64
}

// New is an account of len(regions) x (instances, databases, functions),
// whose series are days of hourly points at level, up to the last whole
// hour.
func New(regions []string, instances, databases, functions, days int, level Level) *Account {
	a := &Account{Regions: regions, Instances: instances, Databases: databases, Functions: functions, level: level, series: map[float64][]float64{}}
	end := time.Now().UTC().Truncate(time.Hour)
	for t := end.Add(-time.Duration(days) * 24 * time.Hour); t.Before(end); t = t.Add(time.Hour) {
		a.Stamps = append(a.Stamps, t)
	}
	return a
}

// Everywhere is the level v for every metric of every resource.
func Everywhere(v float64) Level { return func(string, string) (float64, bool) { return v, true } }

// ByName is each metric's level by its name, whatever the resource; a
// metric not named is not served.
func ByName(levels map[string]float64) Level {
	return func(name, _ string) (float64, bool) {
		v, ok := levels[name]
		return v, ok
	}
}

// Handle answers one call as the account would (an awsstub.Handler).
func (a *Account) Handle(ctx context.Context, c awsstub.Call) (any, error) {
	switch in := c.Input.(type) {
	case *ec2.DescribeRegionsInput:
		out := &ec2.DescribeRegionsOutput{}
		for _, r := range a.Regions {
			out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(r), OptInStatus: aws.String("opt-in-not-required")})
		}
		return out, nil
	case *ec2.DescribeInstancesInput:
		start, end, next := page(in.NextToken, int(aws.ToInt32(in.MaxResults)), a.Instances)
		out := &ec2.DescribeInstancesOutput{NextToken: next}
		for i := start; i < end; i++ {
			r := ec2types.Reservation{Instances: []ec2types.Instance{{InstanceId: aws.String(fmt.Sprintf("i-%017x", i)),
				InstanceType: ec2types.InstanceTypeM5Large, State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning}}}}
			if a.Owner != "" {
				r.OwnerId = aws.String(a.Owner)
			}
			out.Reservations = append(out.Reservations, r)
		}
		return out, nil
	case *rds.DescribeDBInstancesInput:
		start, end, next := page(in.Marker, int(aws.ToInt32(in.MaxRecords)), a.Databases)
		out := &rds.DescribeDBInstancesOutput{Marker: next}
		for i := start; i < end; i++ {
			out.DBInstances = append(out.DBInstances, rdstypes.DBInstance{DBInstanceIdentifier: aws.String(fmt.Sprintf("db-%05d", i)),
				DBInstanceClass: aws.String("db.m5.large"), Engine: aws.String("postgres"), DBInstanceStatus: aws.String("available"), AllocatedStorage: aws.Int32(100)})
		}
		return out, nil
	case *lambda.ListFunctionsInput:
		start, end, next := page(in.Marker, int(aws.ToInt32(in.MaxItems)), a.Functions)
		out := &lambda.ListFunctionsOutput{NextMarker: next}
		for i := start; i < end; i++ {
			out.Functions = append(out.Functions, lambdatypes.FunctionConfiguration{FunctionName: aws.String(fmt.Sprintf("fn-%05d", i)),
				MemorySize: aws.Int32(256), Timeout: aws.Int32(30)})
		}
		return out, nil
	case *s3.ListBucketsInput:
		return &s3.ListBucketsOutput{}, nil
	case *cloudwatch.GetMetricDataInput:
		out := &cloudwatch.GetMetricDataOutput{}
		for _, q := range in.MetricDataQueries {
			name := aws.ToString(q.MetricStat.Metric.MetricName)
			values, err := a.Values(name, aws.ToString(q.MetricStat.Metric.Dimensions[0].Value))
			if err != nil {
				return nil, err
			}
			out.MetricDataResults = append(out.MetricDataResults, cwtypes.MetricDataResult{Id: q.Id, StatusCode: cwtypes.StatusCodeComplete,
				Timestamps: a.Stamps, Values: values})
		}
		return out, nil
	case *costexplorer.GetCostAndUsageInput:
		return &costexplorer.GetCostAndUsageOutput{}, nil
	case *sns.PublishInput:
		return &sns.PublishOutput{}, nil
	}
	if listedBy[Action(c)] { // the other types discovery lists: none in this account
		if out, ok := awsstub.EmptyOutput(c, listClients...); ok {
			return out, nil
		}
	}
	if c.Service == "DynamoDB" && a.Table != nil { // the snapshot store
		return a.Table.Handler()(ctx, c)
	}
	return nil, fmt.Errorf("fleet stub: unexpected %s.%s", c.Service, c.Operation)
}

// Values is the series of metric name of resource id: one shared slice
// per level.
func (a *Account) Values(name, id string) ([]float64, error) {
	v, ok := a.level(name, id)
	if !ok {
		return nil, fmt.Errorf("fleet stub: no series of %s for %s", name, id)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	vs, ok := a.series[v]
	if !ok {
		vs = make([]float64, len(a.Stamps))
		for i := range vs {
			vs[i] = v
		}
		a.series[v] = vs
	}
	return vs, nil
}

// page is the items [start, end) of total that a page of size after token
// holds, and the next page's token (nil after the last).
func page(token *string, size, total int) (int, int, *string) {
	start := 0
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	end := min(start+size, total)
	if end < total {
		return start, end, aws.String(strconv.Itoa(end))
	}
	return start, end, nil
}

// listedBy is every call discovery's types say their listing makes (their
// IAM actions), as "service:Operation": the stub answers those it does not
// serve with an empty page, so a type added to discovery is listed (empty)
// here without a change.
var listedBy = func() map[string]bool {
	out := map[string]bool{}
	for _, t := range discovery.Types() {
		for _, a := range t.IAMActions {
			out[a] = true
		}
	}
	return out
}()

// Action is a call's IAM action: the SDK service id as IAM's prefix
// ("Elastic Load Balancing v2" and "Elastic Load Balancing" are both
// elasticloadbalancing), and S3's ListBuckets is s3:ListAllMyBuckets.
func Action(c awsstub.Call) string {
	prefix := strings.TrimSuffix(strings.ToLower(strings.ReplaceAll(c.Service, " ", "")), "v2")
	if prefix == "s3" && c.Operation == "ListBuckets" {
		return "s3:ListAllMyBuckets"
	}
	return prefix + ":" + c.Operation
}

// listClients are the clients whose operations discovery calls, for
// awsstub.EmptyOutput to find each operation's output type.
var listClients = []any{(*ec2.Client)(nil), (*rds.Client)(nil), (*lambda.Client)(nil), (*s3.Client)(nil),
	(*dynamodb.Client)(nil), (*elasticloadbalancingv2.Client)(nil), (*elasticloadbalancing.Client)(nil)}
