package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// variedSnapshot is a scan of three accounts (one of them the empty
// account of a one-account scan) over three regions and two types, some
// resources in place since base and some not, findings with savings (some
// covered by another), and head's failures as the case asks.
func variedSnapshot(rng *rand.Rand, id string, at time.Time, keep func(i int) bool, regions []string, errs []cloudscope.Failure, cost int64) *cloudscope.Snapshot {
	s := snapshot(id, at)
	s.Regions, s.Errors = regions, errs
	s.Costs = &cloudscope.CostSummary{Currency: "USD", Total: cloudscope.AmountOf(cost)}
	accounts := []string{"111111111111", "222222222222", ""}
	allRegions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	for i := range 2400 {
		if !keep(i) {
			continue
		}
		account, region := accounts[i%3], allRegions[(i/3)%3]
		t := []cloudscope.ResourceType{cloudscope.EC2, cloudscope.Volume}[(i/9)%2]
		// The same id in two accounts is two resources.
		rid := fmt.Sprintf("r-%05d", i/3)
		s.Resources = append(s.Resources, cloudscope.Resource{AccountID: account, Type: t, ID: rid, Name: fmt.Sprintf("n%d", i), Region: region,
			State: "running", Tags: map[string]string{"i": fmt.Sprint(i)}})
		if i%7 == 0 {
			sev := []cloudscope.Severity{cloudscope.Info, cloudscope.Warning, cloudscope.Critical}[rng.IntN(3)]
			f := cloudscope.Finding{ID: fmt.Sprintf("rule/%s/%s/%s", t, region, rid), AccountID: account, Rule: "rule", Severity: sev, Title: "t",
				ResourceType: t, ResourceID: rid, Region: region, Observed: map[string]float64{"x": 1},
				Threshold: cloudscope.Threshold{Value: 1, Op: ">", Unit: "Count", Source: "test"}, Window: cloudscope.Window{Start: at.Add(-time.Hour), End: at},
				Evidence: []cloudscope.Point{{T: cloudscope.At(at), V: 2}}, Recommendation: "act"}
			if i%2 == 0 {
				m := cloudscope.AmountOf(int64(1 + rng.IntN(50)))
				f.Savings = &cloudscope.Savings{Monthly: &m, Currency: cloudscope.SavingsCurrency}
				if i%4 == 0 && len(s.Findings) > 0 {
					f.Savings.CoveredBy = s.Findings[len(s.Findings)-1].ID
				}
			}
			s.Findings = append(s.Findings, f)
		}
	}
	s.Counts.CountResources(s.Resources)
	return s
}

// noWholeReads is a Bottlenecks that refuses to read a snapshot whole.
type noWholeReads struct{ *scan.Service }

func (noWholeReads) Get(context.Context, string) (*cloudscope.Snapshot, error) {
	return nil, errors.New("read whole")
}

// noSlim is a store of snapshots without slim chunks (a sharded scan, or
// one stored before them).
type noSlim struct{ httpapi.SnapshotReads }

func (noSlim) SlimChunks(context.Context, string, []string, func(string, []cloudscope.Resource) error) (bool, error) {
	return false, nil
}

// countedReads counts the findings reads of a SnapshotReads.
type countedReads struct {
	httpapi.SnapshotReads
	findings atomic.Int64
}

func (c *countedReads) Findings(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	c.findings.Add(1)
	return c.SnapshotReads.Findings(ctx, id)
}

// The diff by merge (findings apart, resources by their slim twins, records
// read only for what it lists) answers exactly what comparing the two
// snapshots whole answers, over varied scans: accounts asked or not, head
// failing in a region, in an account's region, or in an account.
func TestDiffByMergeIsTheWholeDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 3))
	all := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	cases := []struct {
		name    string
		regions []string
		errs    []cloudscope.Failure
	}{
		{"complete", all, nil},
		{"head without a region", all[:2], nil},
		{"a region failed", all, []cloudscope.Failure{{Region: "eu-west-1", Service: "ec2", Code: "x", Message: "x"}}},
		{"an account's region failed", all, []cloudscope.Failure{{AccountID: "111111111111", Region: "us-east-1", Service: "ec2", Code: "x", Message: "x"}}},
		{"an account failed", all, []cloudscope.Failure{{AccountID: "222222222222", Service: "sts", Code: "x", Message: "x"}}},
	}
	for n, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := memstore.New()
			ctx := context.Background()
			base := variedSnapshot(rng, "s1", clock.Add(-48*time.Hour), func(i int) bool { return i%11 != 5 }, all, nil, 100)
			head := variedSnapshot(rng, "s2", clock.Add(-24*time.Hour), func(i int) bool { return i%13 != 7 && (i < 2000 || n%2 == 0) }, tc.regions, tc.errs, 130+int64(n))
			for _, s := range []*cloudscope.Snapshot{base, head} {
				if err := store.Save(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			svc := &scan.Service{Store: store}
			whole := newAPI(httpapi.Deps{Bottlenecks: svc, Now: func() time.Time { return clock }})
			merge := newAPI(httpapi.Deps{Bottlenecks: noWholeReads{svc}, Snapshots: store, Now: func() time.Time { return clock }})
			// Without slim chunks the diff reads both snapshots whole.
			fallback := newAPI(httpapi.Deps{Bottlenecks: svc, Snapshots: noSlim{store}, Now: func() time.Time { return clock }})
			for _, q := range []string{"", "?accounts=111111111111", "?accounts=222222222222,111111111111", "?base=s1&accounts=333333333333"} {
				want, got := do(t, whole, "GET", "/snapshots/s2/diff"+q), do(t, merge, "GET", "/snapshots/s2/diff"+q)
				if want.status != http.StatusOK || got.status != http.StatusOK {
					t.Fatalf("%s: whole %d %s, merge %d %s", q, want.status, want.body, got.status, got.body)
				}
				if string(got.body) != string(want.body) {
					t.Errorf("%s: the merge answers\n%.600s\nthe whole diff\n%.600s", q, got.body, want.body)
				}
				if f := do(t, fallback, "GET", "/snapshots/s2/diff"+q); string(f.body) != string(want.body) {
					t.Errorf("%s: without slim chunks: %d %.300s", q, f.status, f.body)
				}
				var d cloudscope.SnapshotDiff
				if err := json.Unmarshal(got.env.Data, &d); err != nil {
					t.Fatal(err)
				}
				if q == "" && (len(d.ResourcesAdded) == 0 || len(d.ResourcesRemoved) == 0 || len(d.FindingsNew)+len(d.FindingsResolved) == 0) {
					t.Errorf("the case compares nothing: %d added, %d removed", len(d.ResourcesAdded), len(d.ResourcesRemoved))
				}
			}
		})
	}
}

// Fifty identical diff questions at once are one computation, and the
// answer is kept for the next.
func TestIdenticalDiffsShareOneComputation(t *testing.T) {
	store := memstore.New()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	all := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	for i, id := range []string{"s1", "s2"} {
		if err := store.Save(ctx, variedSnapshot(rng, id, clock.Add(time.Duration(i-2)*24*time.Hour), func(j int) bool { return j%(5+i) != 0 }, all, nil, 10)); err != nil {
			t.Fatal(err)
		}
	}
	reads := &countedReads{SnapshotReads: store}
	h := newAPI(httpapi.Deps{Bottlenecks: &scan.Service{Store: store}, Snapshots: reads, Now: func() time.Time { return clock }})
	var wg sync.WaitGroup
	bodies := make([]string, 50)
	for i := range bodies {
		wg.Go(func() { bodies[i] = string(serve(t, h, "GET", "/snapshots/s2/diff").body) })
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatal("identical questions answered differently")
		}
	}
	_ = serve(t, h, "GET", "/snapshots/s2/diff?base=s1")
	if n := reads.findings.Load(); n != 2 {
		t.Errorf("51 identical diffs read findings %d times, want 2 (one computation)", n)
	}
	_ = serve(t, h, "GET", "/snapshots/s2/diff?accounts=111111111111")
	if n := reads.findings.Load(); n != 4 {
		t.Errorf("another question should be computed: findings read %d times, want 4", n)
	}
	if r := serve(t, h, "GET", "/snapshots/s9/diff?base=s1"); r.status != http.StatusNotFound {
		t.Errorf("a kept diff must not answer for a snapshot not stored: %d", r.status)
	}
}
