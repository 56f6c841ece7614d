package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
)

// /bottlenecks answers from the latest snapshot's header, findings and
// undecided rules: over the DynamoDB store, it queries no resource chunk
// (issue 22: 50 clients on it over 23,797 stored resources read them all).
func TestBottlenecksReadNoResourceChunk(t *testing.T) {
	table := ddbstub.New()
	serve := table.Handler()
	var mu sync.Mutex
	var queried []string
	clients := awsstub.Clients(func(ctx context.Context, c awsstub.Call) (any, error) {
		if q, ok := c.Input.(*dynamodb.QueryInput); ok {
			mu.Lock()
			for _, name := range []string{":chunk", ":prefix"} {
				if v, ok := q.ExpressionAttributeValues[name].(*ddbtypes.AttributeValueMemberS); ok {
					queried = append(queried, v.Value)
				}
			}
			mu.Unlock()
		}
		return serve(ctx, c)
	})
	store := dynamostore.NewSnapshotStore(dynamodbclient.Home(clients), "cloudscope", 0, func() time.Time { return clock })
	ctx := context.Background()
	s := snapshot("s1", clock.Add(-time.Hour), "i-a", "i-b")
	for i := range 3000 { // several resource chunks
		s.Resources = append(s.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%017x", i), Region: "us-east-1"})
	}
	s.Counts.CountResources(s.Resources)
	if err := store.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	reads := table.Reads.Load()
	mu.Lock()
	queried = nil
	mu.Unlock()

	h := newAPI(httpapi.Deps{Bottlenecks: &scan.Service{Store: store}, Now: func() time.Time { return clock }})
	r := do(t, h, "GET", "/bottlenecks")
	var b struct {
		SnapshotID string               `json:"snapshot_id"`
		Findings   []cloudscope.Finding `json:"findings"`
	}
	if r.status != 200 || json.Unmarshal(r.env.Data, &b) != nil || b.SnapshotID != "s1" || len(b.Findings) != 2 {
		t.Fatalf("/bottlenecks: %d %s", r.status, r.body)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range queried {
		if !strings.Contains(p, "#findings#") && !strings.Contains(p, "#insufficient#") {
			t.Errorf("/bottlenecks queried %q: want only the findings and undecided chunks", p)
		}
	}
	// The index, the header, the findings and the undecided rules.
	if n := table.Reads.Load() - reads; n != 4 {
		t.Errorf("/bottlenecks made %d reads (%q); want 4", n, queried)
	}
}
