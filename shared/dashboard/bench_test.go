package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/browsertest"
)

// largeAccount is the API over a stored scan of n EC2 instances in 4
// regions: /resources pages, filters and sorts as deployed (shared/inventory).
func largeAccount(b *testing.B, n int) http.Handler {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "bench", StartedAt: time.Now(), FinishedAt: time.Now(),
		Regions: regions, Errors: []cloudscope.Failure{}, Outcome: cloudscope.OutcomeComplete}}
	for i := range n {
		snap.Resources = append(snap.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%017x", i), Name: fmt.Sprintf("web-%d", i),
			Region: regions[i%len(regions)], State: "running", EC2: &cloudscope.EC2Details{InstanceType: "m5.large"},
			Tags: map[string]string{"env": "prod", "team": fmt.Sprintf("team-%d", i%37)}})
	}
	snap.Counts.CountResources(snap.Resources)
	store := memstore.New()
	if err := store.Save(context.Background(), snap); err != nil {
		b.Fatal(err)
	}
	// The page asks the newest snapshot's accounts (/snapshots?limit=1)
	// beside the inventory.
	api := httpapi.New(httpapi.Deps{Inventory: inventory.New(store, nil, inventory.Options{}), Bottlenecks: &scan.Service{Store: store}})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/regions" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"success":true,"data":{"regions":[{"name":"us-east-1","opt_in_status":"opt-in-not-required"}]}}`)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// BenchmarkResourcesTable10000 times the Resources panel in Chromium over a
// stored inventory of 10,000 instances, paged by the API: the first page, a
// search, a sort, and the next page.
func BenchmarkResourcesTable10000(b *testing.B) {
	const n = 10000
	srv := httptest.NewServer(dashboard.Handler(largeAccount(b, n), dashboard.Config{}))
	defer srv.Close()
	out := filepath.Join(b.TempDir(), "timings.json")
	for b.Loop() {
		browsertest.Run(b, "testdata/table.bench.mjs", "BASE_URL="+srv.URL, "ROWS="+fmt.Sprint(n), "OUT="+out)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var ms map[string]float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		b.Fatal(err)
	}
	for k, v := range ms {
		b.ReportMetric(v, k+"-ms")
	}
}
