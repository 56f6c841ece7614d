package httpapi_test

// Issue 22's figure: 50 clients on /bottlenecks over a stored scan of
// 25,000 resources. "whole" reads the latest snapshot whole, as the route
// did before it read findings apart (a store whose LatestFindings is its
// Latest); "findings" reads what the route reads now. The diff is measured
// beside them: "whole" reads both snapshots whole (a server without
// SnapshotReads), "merge" compares them by merge; both share one
// computation among identical questions.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/filestore"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// wholeReads is a store whose LatestFindings reads the snapshot whole.
type wholeReads struct{ scan.Store }

func (w wholeReads) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	return w.Latest(ctx)
}

func bigSnapshot(id string, at time.Time, n int) *cloudscope.Snapshot {
	return bigSnapshotFrom(id, at, 0, n)
}

// bigSnapshotFrom is a scan of resources from to from+n (of bigSnapshot's
// kind): two of them overlapping answer a diff that lists the rest.
func bigSnapshotFrom(id string, at time.Time, from, n int) *cloudscope.Snapshot {
	s := snapshot(id, at)
	for i := from; i < from+n; i++ {
		region := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}[i%3]
		s.Resources = append(s.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("snap-%017x", i), Name: fmt.Sprintf("nightly-backup-%d", i),
			Region: region, State: "completed", Tags: map[string]string{"team": "data", "env": "prod", "backup": "nightly"}})
		if i%100 == 0 {
			s.Findings = append(s.Findings, cloudscope.Finding{ID: fmt.Sprintf("ec2.idle/%d", i), Rule: "ec2.idle", Severity: cloudscope.Warning, Title: "idle",
				ResourceType: cloudscope.EC2, ResourceID: fmt.Sprintf("snap-%017x", i), Region: region, Observed: map[string]float64{"max_cpu_percent": 1}})
		}
	}
	s.Counts.CountResources(s.Resources)
	return s
}

func BenchmarkBottlenecksViewers(b *testing.B) {
	dir := b.TempDir()
	store, err := filestore.Open(filepath.Join(dir, "state.db"), 0, func() time.Time { return clock })
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if err := store.Save(ctx, bigSnapshot("s1", clock.Add(-48*time.Hour), 25000)); err != nil {
		b.Fatal(err)
	}
	if err := store.Save(ctx, bigSnapshot("s2", clock.Add(-24*time.Hour), 25000)); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, route string
		store       scan.Store
	}{
		{"bottlenecks/whole", "/bottlenecks", wholeReads{store}},
		{"bottlenecks/findings", "/bottlenecks", store},
		{"diff/whole", "/snapshots/s2/diff", store},
		{"diff/merge", "/snapshots/s2/diff", store},
	} {
		b.Run(tc.name, func(b *testing.B) {
			deps := httpapi.Deps{Bottlenecks: &scan.Service{Store: tc.store}, Now: func() time.Time { return clock }}
			if tc.name == "diff/merge" {
				deps.Snapshots = store
			}
			srv := httptest.NewServer(httpapi.New(deps))
			defer srv.Close()
			for b.Loop() {
				viewers(b, srv.URL+tc.route, 50, 100)
			}
		})
	}
}

// viewers makes reads GETs of url, clients at a time, and reports the
// latencies and the heap's growth (sampled every 5 ms) over the run.
func viewers(b *testing.B, url string, clients, reads int) {
	viewersOf(b, func(int) string { return url }, clients, reads)
}

// viewersOf is viewers with read i of url(i).
func viewersOf(b *testing.B, url func(i int) string, clients, reads int) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	latencies := make([]time.Duration, reads)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= reads {
					return
				}
				t0 := time.Now()
				resp, err := http.Get(url(i))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				latencies[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	if failed.Load() > 0 {
		b.Fatalf("%d of %d reads failed", failed.Load(), reads)
	}
	slices.Sort(latencies)
	p := func(q float64) time.Duration { return latencies[int(q*float64(reads-1))] }
	growth := float64(0)
	if pk := peak.Load(); pk > base {
		growth = float64(pk-base) / (1 << 20)
	}
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(growth, "heap-growth-MB")
}
