package inventory_test

// Stored reads at scale (issues 13 and 22): an inventory of 100,000
// resources in DynamoDB (the emulator) and in the file store, and of
// 1,000,000 in an in-process table; for each, the first page of one region,
// the counts, filters across everything (one no chunk can be skipped by, a
// search; one of a state and one of a tag key that most chunks are skipped
// by), a sort across everything and page 100 of the stored order: wall and
// CPU time, store requests, bytes read from the store, response bytes and
// the peak heap of the read. Run with make bench.

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo/moto"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/filestore"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/snapstore"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

// store is a store under benchmark with its request counter.
type store struct {
	src   storetest.InventoryStore
	reads func() int64
	bytes *atomic.Int64 // bytes of the items read
}

// counted is a kv store that counts the bytes of the items it serves.
type counted struct {
	kv.Store
	reads, bytes atomic.Int64
}

func (c *counted) Get(ctx context.Context, k kv.Key) (kv.Item, bool, error) {
	c.reads.Add(1)
	it, ok, err := c.Store.Get(ctx, k)
	c.bytes.Add(int64(len(it.Value)))
	return it, ok, err
}

func (c *counted) Query(ctx context.Context, p, prefix, after string, limit int, fn func(kv.Item) error) error {
	c.reads.Add(1)
	return c.Store.Query(ctx, p, prefix, after, limit, func(it kv.Item) error {
		c.bytes.Add(int64(len(it.Key.Sort) + len(it.Value)))
		return fn(it)
	})
}

// over is the snapshot store over kv, counted; reads counts the backend's
// requests (nil: the kv calls).
func over(k kv.Store, reads func() int64) store {
	c := &counted{Store: k}
	if reads == nil {
		reads = c.reads.Load
	}
	return store{snapstore.New(c, snapstore.Options{}), reads, &c.bytes}
}

// realistic is a synthetic scan of n resources as an organization's
// scan stores them: eight accounts over three regions, the types in the
// proportions of a real estate (snapshots and volumes the most), each
// type with its own states, and tag keys that differ by account (every
// account tags env; six of them team; one owner). In the stored order
// (account, region, type, id) a chunk holds one type of one account, so
// a filter by state or tag key skips most chunks; a text search skips none.
func realistic(id string, finished time.Time, n int) *cloudscope.Snapshot {
	snap := storetest.Inventory(id, finished, 0)
	accounts := []string{"111111111111", "222222222222", "333333333333", "444444444444", "555555555555", "666666666666", "777777777777", "888888888888"}
	weights := []struct {
		typ    cloudscope.ResourceType
		per100 int
		states []string
	}{
		{cloudscope.VolumeBackup, 35, []string{"completed"}},
		{cloudscope.Volume, 20, []string{"in-use", "in-use", "available"}},
		{cloudscope.EC2, 15, []string{"running", "running", "running", "stopped"}},
		{cloudscope.Lambda, 8, []string{"Active"}},
		{cloudscope.S3, 5, []string{""}},
		{cloudscope.Table, 5, []string{"ACTIVE"}},
		{cloudscope.Address, 4, []string{"associated", "unassociated"}},
		{cloudscope.RDS, 3, []string{"available", "available", "stopped"}},
		{cloudscope.LoadBalancer, 3, []string{"active"}},
		{cloudscope.NATGateway, 2, []string{"available"}},
	}
	var kinds []int // a type's index per percent
	for i, w := range weights {
		for range w.per100 {
			kinds = append(kinds, i)
		}
	}
	for i := range n {
		w := weights[kinds[(i*37)%100]]
		account := (i / 13) % len(accounts)
		created := finished.Add(-time.Duration(i%997) * time.Hour)
		r := cloudscope.Resource{AccountID: accounts[account], Type: w.typ, ID: fmt.Sprintf("%s-%07d", w.typ, (i*7919)%n),
			Name: fmt.Sprintf("Name %03d", (i*31)%1000), Region: snap.Regions[(i/3)%len(snap.Regions)], State: w.states[i%len(w.states)], CreatedAt: &created,
			Tags: map[string]string{"env": []string{"prod", "dev"}[i%2]}}
		if account < 6 {
			r.Tags["team"] = []string{"payments", "search", "data"}[i%3]
		}
		if account == 7 {
			r.Tags["owner"] = fmt.Sprintf("user%02d", i%40)
		}
		snap.Resources = append(snap.Resources, r)
	}
	slices.SortFunc(snap.Resources, cloudscope.CompareResources)
	snap.Counts.CountResources(snap.Resources)
	return snap
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
			return over(dynamostore.NewKV(client, "cloudscope", nil), reads.Load)
		}},
		{"file-100k", 100_000, func(b *testing.B) store {
			s, err := filestore.Open(filepath.Join(b.TempDir(), "state.db"), 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return over(s.KV(), nil)
		}},
		{"dynamodb-stub-1m", 1_000_000, func(b *testing.B) store {
			table := ddbstub.New()
			client := dynamodbclient.Home(awsstub.Clients(table.Handler()))
			return over(dynamostore.NewKV(client, "cloudscope", nil), table.Reads.Load)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st := tc.open(b)
			snap := realistic("scan-1", time.Now().UTC(), tc.n)
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
				{"filter-search-no-skip", inventory.Input{Search: "name 01"}},
				{"filter-state-skips", inventory.Input{States: []string{"stopped"}}},
				{"filter-tag-skips", inventory.Input{Tag: "owner"}},
				{"sort-everything", inventory.Input{Sort: "-name"}},
				{"page-100-stored-order", inventory.Input{}},
			} {
				q, err := inventory.NewQuery(op.in)
				if err != nil {
					b.Fatal(err)
				}
				if op.name == "page-100-stored-order" {
					// Follow the cursors to page 99; page 100 is measured.
					for range 99 {
						page, err := svc.List(ctx, q)
						if err != nil || page.NextCursor == "" {
							b.Fatalf("paging: %v", err)
						}
						if q, err = inventory.NewQuery(inventory.Input{Cursor: page.NextCursor}); err != nil {
							b.Fatal(err)
						}
					}
				}
				var page *inventory.Page
				before, bytes0 := st.reads(), st.bytes.Load()
				cpu0 := cpuTime()
				wall, peak := measure(func() {
					// Labelled, so that -cpuprofile tells the reads apart (go tool pprof -tagfocus op=...).
					pprof.Do(ctx, pprof.Labels("op", op.name), func(ctx context.Context) {
						if page, err = svc.List(ctx, q); err != nil {
							b.Fatal(err)
						}
					})
				})
				cpu := cpuTime() - cpu0
				read := st.bytes.Load() - bytes0
				body, _ := json.Marshal(page)
				b.ReportMetric(float64(cpu.Microseconds())/1000, op.name+"-cpu-ms")
				b.ReportMetric(float64(wall.Microseconds())/1000, op.name+"-ms")
				b.ReportMetric(float64(st.reads()-before), op.name+"-reads")
				b.ReportMetric(float64(len(body))/1024, op.name+"-KiB")
				b.ReportMetric(float64(read)/1024, op.name+"-read-KiB")
				b.ReportMetric(float64(peak)/(1<<20), op.name+"-peak-heap-MiB")
				b.Logf("%-22s %8s (cpu %8s)  %3d reads  %6d KiB read  %4d KiB answer  peak heap %4d MiB  total %d, page %d",
					op.name, wall.Round(time.Microsecond), cpu.Round(time.Microsecond), st.reads()-before, read>>10, len(body)>>10, peak>>20, page.Counts.Total, len(page.Resources))
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

// cpuTime is the process's CPU time so far (user and system): on a shared
// machine the wall time of a read says as much about the neighbours as
// about the read, its CPU time only about the read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
