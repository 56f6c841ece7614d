package metrics

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsstub"
)

// fakeCloudWatch answers GetMetricData with a value derived from each query's
// resource, metric and statistic at every period of the window, so a test can
// tell which series a point came from.
type fakeCloudWatch struct {
	// perPage splits the results over pages of this many query results.
	perPage int
	// empty lists resource ids that have no data.
	empty map[string]bool
	// maxQueries seen in one call, to check the batching.
	maxQueries int
}

// valueOf is the value the fake gives a series at point i.
func valueOf(id, metric, stat string, i int) float64 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s/%s", id, metric, stat)
	return float64(h.Sum32()%10000)/100 + float64(i)
}

func (f *fakeCloudWatch) handle(_ context.Context, c awsstub.Call) (any, error) {
	in, ok := c.Input.(*cloudwatch.GetMetricDataInput)
	if !ok {
		return nil, fmt.Errorf("unexpected call %s", c.Operation)
	}
	if len(in.MetricDataQueries) > MaxQueriesPerCall {
		return nil, awsstub.APIError("ValidationError", "too many queries")
	}
	f.maxQueries = max(f.maxQueries, len(in.MetricDataQueries))
	start := 0
	if in.NextToken != nil {
		start, _ = strconv.Atoi(*in.NextToken)
	}
	end := len(in.MetricDataQueries)
	if f.perPage > 0 {
		end = min(end, start+f.perPage)
	}
	out := &cloudwatch.GetMetricDataOutput{}
	if end < len(in.MetricDataQueries) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	for _, q := range in.MetricDataQueries[start:end] {
		ms := q.MetricStat
		id := aws.ToString(ms.Metric.Dimensions[0].Value)
		r := cwtypes.MetricDataResult{Id: q.Id, StatusCode: cwtypes.StatusCodeComplete}
		if !f.empty[id] {
			period := time.Duration(aws.ToInt32(ms.Period)) * time.Second
			// Newest first, to check that the output is sorted whatever the order.
			var i int
			for t := in.StartTime.Add(period * time.Duration(int(in.EndTime.Sub(*in.StartTime)/period)-1)); !t.Before(*in.StartTime); t = t.Add(-period) {
				i = int(t.Sub(*in.StartTime) / period)
				r.Timestamps = append(r.Timestamps, t)
				r.Values = append(r.Values, valueOf(id, aws.ToString(ms.Metric.MetricName), aws.ToString(ms.Stat), i))
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	return out, nil
}

func stubClient(h awsstub.Handler) func(string) CloudWatchAPI {
	cfg, err := awsconf.Load(context.Background(), awsconf.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		APIOptions:  []func(*middleware.Stack) error{awsstub.APIOption(h)},
	})
	if err != nil {
		panic(err)
	}
	return ClientsFrom(awsconf.NewClients(cfg))
}
