package inventory_test

// A sharded scan's storage at an organization's scale (issue 14): 1,000
// accounts x 17 regions, 17,000 parts of 60 resources (1,020,000 in all),
// in the in-process DynamoDB table and in memory. Measured: one part's
// SavePart (items and bytes written), the whole finalize step (every part's
// summary read and merged, then FinalizeParts: time, peak heap, items read
// and written), and the first reads of the finalized snapshot. Run with
// make bench.

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

// partStore is a store under benchmark with its counters (zero in memory).
type partStore struct {
	st                   storetest.PartsStore
	reads, items, bytes_ func() int64
}

// orgRegions are the 17 regions every account has enabled.
var orgRegions = []string{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
	"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"}

func BenchmarkShardedFinalize(b *testing.B) {
	const accounts, regions, perPart = 1000, 17, 60
	ctx := context.Background()
	zero := func() int64 { return 0 }
	for _, tc := range []struct {
		name string
		open func() partStore
	}{
		{"dynamodb-stub-17000-parts", func() partStore {
			table := ddbstub.New()
			st := dynamostore.NewSnapshotStore(dynamodbclient.Home(awsstub.Clients(table.Handler())), "cloudscope", 0, nil)
			return partStore{st, table.Reads.Load, table.Items.Load, table.Bytes.Load}
		}},
		{"memory-17000-parts", func() partStore { return partStore{memstore.New(), zero, zero, zero} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ps := tc.open()
			finished := time.Now().UTC()
			shard := func(i int) cloudscope.Shard {
				return cloudscope.Shard{ScanID: "org-scan", AccountID: fmt.Sprintf("%012d", 100000000000+i/regions), Region: orgRegions[i%regions]}
			}
			// One part, measured alone.
			items, bytes := ps.items(), ps.bytes_()
			wall, _ := measure(func() {
				if err := ps.st.SavePart(ctx, storetest.Part(shard(0), finished, perPart, "p")); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(ps.items()-items), "savepart-items")
			b.ReportMetric(float64(ps.bytes_()-bytes), "savepart-bytes")
			b.Logf("SavePart of %d resources: %s, %d items, %d bytes written", perPart, wall.Round(time.Microsecond), ps.items()-items, ps.bytes_()-bytes)
			// The rest, as the shards would (eight at a time).
			start := time.Now()
			var wg sync.WaitGroup
			next := make(chan int)
			for range 8 {
				wg.Go(func() {
					for i := range next {
						if err := ps.st.SavePart(ctx, storetest.Part(shard(i), finished, perPart, "p")); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for i := 1; i < accounts*regions; i++ {
				next <- i
			}
			close(next)
			wg.Wait()
			b.Logf("stored %d parts (%d resources) in %s, %d items, %d bytes", accounts*regions, accounts*regions*perPart,
				time.Since(start).Round(time.Millisecond), ps.items(), ps.bytes_())
			runtime.GC()

			// The finalize step: every summary merged, then FinalizeParts.
			reads, items := ps.reads(), ps.items()
			var h cloudscope.SnapshotHeader
			wall, peak := measure(func() {
				h = cloudscope.SnapshotHeader{ID: "org-scan", StartedAt: finished.Add(-10 * time.Minute), FinishedAt: finished, Errors: []cloudscope.Failure{},
					Calls: map[string]int{}, Notification: cloudscope.NotifyNone, Outcome: cloudscope.OutcomeComplete}
				h.Counts = cloudscope.SnapshotCounts{ByType: map[cloudscope.ResourceType]int{}, BySeverity: map[cloudscope.Severity]int{}, ByRegion: map[string]int{},
					ByState: map[string]int{}, TagKeys: map[string]int{}, ByGroup: map[string]int{}, ByAccount: map[string]int{}}
				seen := map[string]bool{}
				var findings []cloudscope.Finding
				var undecided []cloudscope.Insufficient
				err := ps.st.PartSummaries(ctx, "org-scan", func(p cloudscope.ShardPart) error {
					findings = append(findings, p.Findings...)
					undecided = append(undecided, p.Insufficient...)
					h.Errors = append(h.Errors, p.Errors...)
					for k, n := range p.Calls {
						h.Calls[k] += n
					}
					if !seen[p.Shard.Region] {
						seen[p.Shard.Region] = true
						h.Regions = append(h.Regions, p.Shard.Region)
					}
					c := p.Counts
					h.Counts.Resources += c.Resources
					for k, n := range c.ByType {
						h.Counts.ByType[k] += n
					}
					for k, n := range c.ByRegion {
						h.Counts.ByRegion[k] += n
					}
					for k, n := range c.ByState {
						h.Counts.ByState[k] += n
					}
					for k, n := range c.TagKeys {
						h.Counts.TagKeys[k] += n
					}
					for k, n := range c.ByGroup {
						h.Counts.ByGroup[k] += n
					}
					for k, n := range c.ByAccount {
						h.Counts.ByAccount[k] += n
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				h.Counts.Findings = len(findings)
				if err := ps.st.FinalizeParts(ctx, h, findings, undecided); err != nil {
					b.Fatal(err)
				}
			})
			if h.Counts.Resources != accounts*regions*perPart {
				b.Fatalf("finalized %d resources, want %d", h.Counts.Resources, accounts*regions*perPart)
			}
			b.ReportMetric(wall.Seconds(), "finalize-s")
			b.ReportMetric(float64(peak)/(1<<20), "finalize-peak-heap-MiB")
			b.ReportMetric(float64(ps.reads()-reads), "finalize-reads")
			b.ReportMetric(float64(ps.items()-items), "finalize-items-written")
			b.Logf("finalize (summaries merged, FinalizeParts): %s, peak heap %d MiB, %d reads, %d items written, %d findings",
				wall.Round(time.Millisecond), peak>>20, ps.reads()-reads, ps.items()-items, h.Counts.Findings)
			if wall > 2*time.Minute || peak > 1<<30 {
				b.Errorf("finalize took %s and %d MiB: over the goal of 2 minutes and 1 GB", wall, peak>>20)
			}

			// The snapshot reads like any other.
			svc := inventory.New(ps.st, nil, inventory.Options{})
			for _, op := range []struct {
				name string
				in   inventory.Input
			}{
				{"first-page-and-counts", inventory.Input{}},
				{"first-page-one-region", inventory.Input{Regions: []string{"eu-west-1"}}},
			} {
				q, err := inventory.NewQuery(op.in)
				if err != nil {
					b.Fatal(err)
				}
				var page *inventory.Page
				before := ps.reads()
				wall, peak := measure(func() {
					if page, err = svc.List(ctx, q); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(wall.Microseconds())/1000, op.name+"-ms")
				b.ReportMetric(float64(ps.reads()-before), op.name+"-reads")
				b.Logf("%-22s %8s  %5d reads  peak heap %4d MiB  total %d, page %d", op.name, wall.Round(time.Microsecond), ps.reads()-before, peak>>20, page.Counts.Total, len(page.Resources))
			}
		})
	}
}
