package httpapi_test

// Issue 22's figure for every route the dashboard calls: 50 clients, 100
// reads, over a stored scan of 25,000 resources (the state file) and the
// one before it (1,000 resources gone, 1,000 new): p50, p99 and the
// server's heap growth per route ("resources/search-distinct": every
// viewer a search of its own, none shared). The routes that answer from AWS (costs,
// anomalies, metrics, regions) answer from stubs here: their figures are
// the server's own part, not AWS's.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/filestore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

type stubRegions struct{}

func (stubRegions) Regions(context.Context) ([]cloudscope.Region, error) {
	return []cloudscope.Region{{Name: "us-east-1"}, {Name: "eu-west-1"}, {Name: "ap-southeast-2"}}, nil
}

type stubAnomalies struct{}

func (stubAnomalies) List(context.Context, anomaly.Filter) ([]cloudscope.Anomaly, error) {
	return []cloudscope.Anomaly{}, nil
}

func BenchmarkDashboardViewers(b *testing.B) {
	store, err := filestore.Open(filepath.Join(b.TempDir(), "state.db"), 0, func() time.Time { return clock })
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	s1, s2 := bigSnapshotFrom("s1", clock.Add(-48*time.Hour), 0, 25000), bigSnapshotFrom("s2", clock.Add(-24*time.Hour), 1000, 25000)
	for _, s := range []*cloudscope.Snapshot{s1, s2} {
		if err := store.Save(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	scanID := scan.NewID("scan", clock)
	if err := store.SetStatus(ctx, cloudscope.ScanStatus{ID: scanID, State: cloudscope.StateRunning, Step: "metrics", RegionsDone: 1, Regions: 3,
		StartedAt: clock.Add(-time.Minute), UpdatedAt: clock}); err != nil {
		b.Fatal(err)
	}
	// The ledger has recorded both scans.
	l := ledger.New(kv.NewMemory(nil))
	read := ledger.Coverage{Accounts: []string{"111111111111"}, Regions: s2.Regions}
	r1 := ledger.Round{Scan: "s1", At: s1.FinishedAt, Findings: s1.Findings, Read: read}
	r2 := ledger.Round{Scan: "s2", At: s2.FinishedAt, Findings: s2.Findings, Previous: s1.Findings, PreviousAt: s1.FinishedAt, Read: read}
	for _, r := range []ledger.Round{r1, r2} {
		if _, err := l.Record(ctx, "111111111111", r); err != nil {
			b.Fatal(err)
		}
	}
	now := func() time.Time { return clock }
	ce := costsAPIStub()
	deps := httpapi.Deps{
		Bottlenecks: &scan.Service{Store: store}, Snapshots: store,
		Inventory: inventory.New(store, nil, inventory.Options{}),
		Savings:   &ledger.Service{Ledger: l, Account: func(context.Context) (string, error) { return "111111111111", nil }, Now: now},
		Discovery: stubRegions{}, Costs: ce, Anomalies: stubAnomalies{},
		Metrics: fakeMetrics(func(_ context.Context, r metricquery.Request) (*metricquery.Result, error) {
			return &metricquery.Result{Region: r.Region, Resources: []cloudscope.ResourceMetrics{}}, nil
		}),
		Now: now,
	}
	srv := httptest.NewServer(httpapi.New(deps))
	defer srv.Close()
	page2 := "/resources?limit=500&cursor=" + url.QueryEscape(cursorOf(b, srv.URL+"/resources?limit=500"))
	for _, route := range []struct{ name, path string }{
		{"regions", "/regions"},
		{"snapshots", "/snapshots?limit=1"},
		{"bottlenecks", "/bottlenecks"},
		{"diff", "/snapshots/s2/diff"},
		{"savings", "/savings?limit=1"},
		{"resources/first", "/resources?limit=500"},
		{"resources/page2", page2},
		{"resources/sort-name", "/resources?limit=500&sort=name"},
		{"resources/sort-created", "/resources?limit=500&sort=-created_at"},
		{"resources/search", "/resources?limit=500&search=backup-2417"},
		{"resources/filter", "/resources?limit=500&states=completed&types=ec2&regions=eu-west-1"},
		{"resources/chart-list", "/resources?types=ec2&regions=us-east-1"},
		{"scan-status", "/scans/" + scanID},
		{"costs", "/costs?days=30&group_by=SERVICE&granularity=DAILY"},
		{"costs-forecast", "/costs/forecast?days=30&granularity=DAILY"},
		{"anomalies", "/anomalies?days=30"},
		{"metrics", "/metrics?resource_type=ec2&resource_ids=i-0123456789abcdef0&region=us-east-1&hours=24"},
	} {
		b.Run(route.name, func(b *testing.B) {
			for b.Loop() {
				viewers(b, srv.URL+route.path, 50, 100)
			}
		})
	}
	// Every viewer a question of its own: no read is shared, so this is
	// the stored inventory's own speed under load.
	b.Run("resources/search-distinct", func(b *testing.B) {
		for b.Loop() {
			viewersOf(b, func(i int) string { return fmt.Sprintf("%s/resources?limit=500&search=backup-%d", srv.URL, 100+i*37) }, 50, 100)
		}
	})
}

// cursorOf is the next-page cursor of a /resources answer.
func cursorOf(b *testing.B, u string) string {
	resp, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env struct {
		Data struct {
			Next string `json:"next_cursor"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Data.Next == "" {
		b.Fatalf("no cursor in %.300s (%v)", body, err)
	}
	return env.Data.Next
}

// costsAPIStub is the cost service over costsAPI's Cost Explorer stub.
func costsAPIStub() httpapi.Costs {
	var calls awsstub.Counter
	return costsService(&calls)
}
