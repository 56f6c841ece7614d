package dynamostore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/snapstore"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

// itemBytes is an item's size as DynamoDB bills it: attribute names and
// values (pk "kv#<partition>", sk, the value, its digest, the expiry).
func itemBytes(it kv.Item) int {
	return len("pk") + len(KVPartitionPrefix) + len(it.Key.Partition) + len("sk") + len(it.Key.Sort) +
		len(kvValue) + len(it.Value) + len(kvDigest) + 16 + len(TTLAttribute) + 11
}

// sizing counts what its store writes and reads, in items and billed units.
type sizing struct {
	kv.Store
	items, bytes, wcu int
	readBytes         int
}

func (s *sizing) write(it kv.Item) {
	n := itemBytes(it)
	s.items++
	s.bytes += n
	s.wcu += (n + 1023) / 1024
}
func (s *sizing) Put(ctx context.Context, it kv.Item, c kv.Cond) error {
	s.write(it)
	return s.Store.Put(ctx, it, c)
}
func (s *sizing) Swap(ctx context.Context, it kv.Item, old []byte) error {
	s.write(it)
	return s.Store.Swap(ctx, it, old)
}
func (s *sizing) PutBatch(ctx context.Context, items []kv.Item) error {
	for _, it := range items {
		s.write(it)
	}
	return s.Store.PutBatch(ctx, items)
}
func (s *sizing) Get(ctx context.Context, k kv.Key) (kv.Item, bool, error) {
	it, ok, err := s.Store.Get(ctx, k)
	if ok {
		s.readBytes += itemBytes(it)
	}
	return it, ok, err
}
func (s *sizing) Query(ctx context.Context, p, prefix, after string, limit int, fn func(kv.Item) error) error {
	return s.Store.Query(ctx, p, prefix, after, limit, func(it kv.Item) error { s.readBytes += itemBytes(it); return fn(it) })
}

// BenchmarkScanStorageCost stores a scan of 10,000 and of 1,000,000
// resources (storetest.Inventory: three regions, every type, tags on a
// fifth) in the stub table and reports the items written, their size, the
// write units (1 KB each, rounded up per item) and the read units of
// reading it whole and of its first page (consistent reads: 4 KB each).
func BenchmarkScanStorageCost(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			snap := storetest.Inventory("scan-1", time.Now().UTC(), n)
			for i := range n / 20 { // a finding per 20 resources
				r := snap.Resources[i*20]
				snap.Findings = append(snap.Findings, cloudscope.Finding{ID: "ec2.idle/" + r.ID, Rule: "ec2.idle", Severity: cloudscope.Warning,
					ResourceType: r.Type, ResourceID: r.ID, Region: r.Region, Observed: map[string]float64{"cpu_p95": 2}})
			}
			for range b.N {
				sz := &sizing{Store: NewKV(dynamodbclient.Home(awsstub.Clients(ddbstub.New().Handler())), "cloudscope", nil)}
				st := snapstore.New(sz, snapstore.Options{})
				if err := st.Save(ctx, snap); err != nil {
					b.Fatal(err)
				}
				sz.readBytes = 0
				if err := st.ResourceChunks(ctx, "scan-1", nil, func([]cloudscope.Resource) error { return cloudscope.ErrStop }); err != nil {
					b.Fatal(err)
				}
				firstPage := sz.readBytes
				sz.readBytes = 0
				if _, err := st.Get(ctx, "scan-1"); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(sz.items), "items")
				b.ReportMetric(float64(sz.bytes)/float64(sz.items), "bytes/item")
				b.ReportMetric(float64(sz.bytes)/(1<<20), "MiB")
				b.ReportMetric(float64(sz.wcu), "WCU")
				b.ReportMetric(float64((sz.readBytes+4095)/4096), "RCU-read-whole")
				b.ReportMetric(float64((firstPage+4095)/4096), "RCU-first-page")
				b.Logf("%d resources: %d items, %.0f bytes an item, %.1f MiB; %d WCU to store; %d RCU to read whole, %d for the first page (chunks decoded ahead included)",
					n, sz.items, float64(sz.bytes)/float64(sz.items), float64(sz.bytes)/(1<<20), sz.wcu, (sz.readBytes+4095)/4096, (firstPage+4095)/4096)
			}
		})
	}
}
