package inventory_test

// Stored reads at scale (issue 13's figures): an inventory of 100,000
// resources in DynamoDB (the emulator) and in the file store, and of
// 1,000,000 in an in-process table; for each, the first page of one region,
// the counts, a text filter across everything and a sort across
// everything: time, store reads, response bytes and the peak heap of the
// read. Run with make bench.

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/demo/moto"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/filestore"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

// store is a store under benchmark with its read counter.
type store struct {
	src   storetest.InventoryStore
	reads func() int64
}

func BenchmarkStoredInventory(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		n    int
		open func(b *testing.B) store
	}{
		{"dynamodb-emulator-100k", 100_000, func(b *testing.B) store {
			srv, err := moto.Start(0)
			if err != nil {
				b.Skip("the emulator could not start: ", err) // make bench installs it; a bare go test may not have it
			}
			b.Cleanup(srv.Close)
			var reads atomic.Int64
			count := awsstub.Observe(func(c awsstub.Call) {
				if c.Operation == "Query" || c.Operation == "GetItem" {
					reads.Add(1)
				}
			})
			cfg, err := sdkconfig.Load(ctx, awsconf.Options{Region: "us-east-1", EndpointURL: srv.URL, Credentials: mototest.Credentials()})
			if err != nil {
				b.Fatal(err)
			}
			cfg.APIOptions = append(cfg.APIOptions, count)
			client := dynamodbclient.Home(awsconf.NewClients(cfg))
			if err := dynamostore.CreateTable(ctx, client, "cloudscope"); err != nil {
				b.Fatal(err)
			}
			return store{dynamostore.NewSnapshotStore(client, "cloudscope", 0, nil), reads.Load}
		}},
		{"file-100k", 100_000, func(b *testing.B) store {
			s, err := filestore.Open(filepath.Join(b.TempDir(), "state.db"), 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return store{s, func() int64 { return 0 }}
		}},
		{"dynamodb-stub-1m", 1_000_000, func(b *testing.B) store {
			table := ddbstub.New()
			client := dynamodbclient.Home(awsstub.Clients(table.Handler()))
			return store{dynamostore.NewSnapshotStore(client, "cloudscope", 0, nil), table.Reads.Load}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st := tc.open(b)
			snap := storetest.Inventory("scan-1", time.Now().UTC(), tc.n)
			start := time.Now()
			if err := st.src.Save(ctx, snap); err != nil {
				b.Fatal(err)
			}
			b.Logf("stored %d resources in %s", tc.n, time.Since(start).Round(time.Millisecond))
			snap = nil
			runtime.GC()
			svc := inventory.New(st.src, nil, inventory.Options{})
			for _, op := range []struct {
				name string
				in   inventory.Input
			}{
				{"first-page-one-region", inventory.Input{Regions: []string{"eu-west-1"}}},
				{"first-page-and-counts", inventory.Input{}},
				{"filter-everything", inventory.Input{Search: "name 01", States: []string{"running"}}},
				{"sort-everything", inventory.Input{Sort: "-name"}},
			} {
				q, err := inventory.NewQuery(op.in)
				if err != nil {
					b.Fatal(err)
				}
				var page *inventory.Page
				before := st.reads()
				wall, peak := measure(func() {
					if page, err = svc.List(ctx, q); err != nil {
						b.Fatal(err)
					}
				})
				body, _ := json.Marshal(page)
				b.ReportMetric(float64(wall.Microseconds())/1000, op.name+"-ms")
				b.ReportMetric(float64(st.reads()-before), op.name+"-reads")
				b.ReportMetric(float64(len(body))/1024, op.name+"-KiB")
				b.ReportMetric(float64(peak)/(1<<20), op.name+"-peak-heap-MiB")
				b.Logf("%-22s %8s  %3d reads  %6d KiB  peak heap %4d MiB  total %d, page %d",
					op.name, wall.Round(time.Microsecond), st.reads()-before, len(body)>>10, peak>>20, page.Counts.Total, len(page.Resources))
				if len(body) > 1<<20 {
					b.Errorf("%s: a %d-byte answer: over 1 MB", op.name, len(body))
				}
			}
		})
	}
}

// measure runs f and returns its wall time and the peak heap in use while it ran.
func measure(f func()) (time.Duration, uint64) {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	f()
	wall := time.Since(start)
	close(done)
	<-sampled
	return wall, peak.Load()
}

var _ = fmt.Sprint
