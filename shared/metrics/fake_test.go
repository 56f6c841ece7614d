package metrics

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cloudscope/cloudscope/shared/awsconf/cloudwatchclient"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// fakeCloudWatch answers GetMetricData with a value derived from each query's
// resource, metric and statistic at every period of the window, so a test can
// tell which series a point came from.
type fakeCloudWatch struct {
	// perPage splits the results over pages of this many query results.
	perPage int
	// empty lists resource ids that have no data.
	empty map[string]bool
	// newestFirst returns points in descending time order, to check that
	// the output is sorted whatever order CloudWatch answers in.
	newestFirst bool
	mu          sync.Mutex
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
	if len(in.MetricDataQueries) > metricquery.MaxQueriesPerCall {
		return nil, awsstub.APIError("ValidationError", "too many queries")
	}
	f.mu.Lock()
	f.maxQueries = max(f.maxQueries, len(in.MetricDataQueries))
	f.mu.Unlock()
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
			n := int(in.EndTime.Sub(*in.StartTime) / period)
			for k := range n {
				i := k
				if f.newestFirst {
					i = n - 1 - k
				}
				r.Timestamps = append(r.Timestamps, in.StartTime.Add(time.Duration(i)*period))
				r.Values = append(r.Values, valueOf(id, aws.ToString(ms.Metric.MetricName), aws.ToString(ms.Stat), i))
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	return out, nil
}

func stubClient(h awsstub.Handler) func(string) CloudWatchAPI { return ClientsFrom(awsstub.Clients(h)) }

func stubCloudWatch(h awsstub.Handler) *cloudwatch.Client {
	return cloudwatchclient.In(awsstub.Clients(h), "us-east-1")
}
