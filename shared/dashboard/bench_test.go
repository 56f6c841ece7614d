package dashboard_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/testkit/browsertest"
)

// largeAccount answers /regions and /resources with n EC2 instances over 4 regions.
func largeAccount(n int) http.Handler {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}
	var b strings.Builder
	byRegion := map[string]int{}
	for i := range n {
		region := regions[i%len(regions)]
		byRegion[region]++
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"ec2","id":"i-%017x","name":"web-%d","region":"%s","state":"running","ec2":{"instance_type":"m5.large"},"tags":{"env":"prod","team":"team-%d"}}`,
			i, i, region, i%37)
	}
	counts, _ := json.Marshal(map[string]any{"total": n, "by_type": map[string]int{"ec2": n}, "by_region": byRegion})
	names, _ := json.Marshal(regions)
	inventory := fmt.Sprintf(`{"success":true,"data":{"regions":%s,"types":["ec2"],"counts":%s,"resources":[%s],"errors":[]}}`, names, counts, b.String())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/regions":
			fmt.Fprint(w, `{"success":true,"data":{"regions":[{"name":"us-east-1","opt_in_status":"opt-in-not-required"}]}}`)
		case "/resources":
			fmt.Fprint(w, inventory)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"success":false,"error":{"code":"not_found","message":"no such route"}}`)
		}
	})
}

// BenchmarkResourcesTable10000 times the Resources panel in Chromium with an
// inventory of 10,000 instances: the first table, a search, a sort, and
// drawing 500 rows more.
func BenchmarkResourcesTable10000(b *testing.B) {
	const n = 10000
	srv := httptest.NewServer(dashboard.Handler(largeAccount(n), dashboard.Config{}))
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
