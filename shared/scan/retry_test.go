package scan

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// flakyMetrics fails a region's first Fetch calls with the errors listed
// for it, then answers as the account does.
type flakyMetrics struct {
	*account
	fail  map[string][]error
	mu    sync.Mutex
	calls map[string]int
}

func (f *flakyMetrics) Fetch(ctx context.Context, r metricquery.Request) (*metricquery.Result, error) {
	f.mu.Lock()
	f.calls[r.Region]++
	n := f.calls[r.Region]
	f.mu.Unlock()
	if n <= len(f.fail[r.Region]) {
		return nil, f.fail[r.Region][n-1]
	}
	return f.account.Fetch(ctx, r)
}

func threeRegions() *account {
	in := func(id, region string) cloudscope.Resource {
		r := instance(id)
		r.Region = region
		return r
	}
	return &account{
		resources: []cloudscope.Resource{in("i-east-hot", "us-east-1"), in("i-east-ok", "us-east-1"), in("i-eu-hot", "eu-west-1"),
			in("i-eu-idle", "eu-west-1"), in("i-ap-hot", "ap-southeast-2")},
		cpu: map[string]float64{"i-east-hot": 95, "i-east-ok": 40, "i-eu-hot": 97, "i-eu-idle": 1, "i-ap-hot": 99},
	}
}

func evaluate(t *testing.T, fail map[string][]error) (*cloudscope.Snapshot, map[string]int) {
	t.Helper()
	acct := threeRegions()
	m := &flakyMetrics{account: acct, fail: fail, calls: map[string]int{}}
	s := New(Deps{Discovery: acct, Metrics: m, Costs: acct, Thresholds: bottleneck.Defaults, RetryPause: time.Millisecond,
		Now: func() time.Time { return now }})
	snap, err := s.Evaluate(context.Background(), "scan", nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap, m.calls
}

func TestMetricsThatFailedForAPassingReasonAreReadAgain(t *testing.T) {
	denied := cloudscope.Errorf(cloudscope.CodeAccessDenied, "GetMetricData: AccessDenied")
	throttled := cloudscope.Errorf(cloudscope.CodeThrottled, "GetMetricData: Throttling")
	unavailable := cloudscope.Errorf(cloudscope.CodeUnavailable, "GetMetricData: Service Unavailable")
	timedOut := cloudscope.Errorf(cloudscope.CodeTimeout, "GetMetricData: timed out")
	invalid := cloudscope.Errorf(cloudscope.CodeInvalid, "bad")

	// The reference: ap-southeast-2 is denied, everything else answers.
	want, calls := evaluate(t, map[string][]error{"ap-southeast-2": {denied}})
	if len(want.Errors) != 1 || want.Errors[0].Code != string(cloudscope.CodeAccessDenied) || len(want.Findings) < 3 || len(want.Insufficient) == 0 {
		t.Fatalf("the reference scan: errors %v, %d findings, %d undecided", want.Errors, len(want.Findings), len(want.Insufficient))
	}
	if calls["ap-southeast-2"] != 1 {
		t.Errorf("access denied: %d calls, want 1 (no second pass)", calls["ap-southeast-2"])
	}
	// A region's read is a Fetch per round of reads its resources need.
	reads := calls

	// us-east-1 and eu-west-1 fail once for a passing reason: the same snapshot.
	got, calls := evaluate(t, map[string][]error{"ap-southeast-2": {denied}, "us-east-1": {throttled}, "eu-west-1": {unavailable}})
	for name, pair := range map[string][2]any{
		"errors":       {got.Errors, want.Errors},
		"findings":     {got.Findings, want.Findings},
		"undecided":    {got.Insufficient, want.Insufficient},
		"counts":       {got.Counts, want.Counts},
		"metric calls": {got.Calls["cloudwatch:GetMetricData"], want.Calls["cloudwatch:GetMetricData"]},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ after a second pass:\n got %v\nwant %v", name, pair[0], pair[1])
		}
	}
	if fmt.Sprint(calls) != fmt.Sprint(map[string]int{"ap-southeast-2": 1, "eu-west-1": 1 + reads["eu-west-1"], "us-east-1": 1 + reads["us-east-1"]}) {
		t.Errorf("Fetch calls per region %v, reads %v", calls, reads)
	}

	// Failing twice: reported once, with the second failure's code; one second pass only.
	// An invalid request is not read again.
	got, calls = evaluate(t, map[string][]error{"ap-southeast-2": {invalid}, "us-east-1": {throttled, timedOut, throttled}})
	if fmt.Sprint(calls) != fmt.Sprint(map[string]int{"ap-southeast-2": 1, "eu-west-1": reads["eu-west-1"], "us-east-1": 2}) {
		t.Errorf("Fetch calls per region %v, reads %v", calls, reads)
	}
	if len(got.Errors) != 2 || got.Errors[0].Region != "ap-southeast-2" || got.Errors[1].Region != "us-east-1" || got.Errors[1].Code != string(cloudscope.CodeTimeout) {
		t.Errorf("errors %v", got.Errors)
	}
}
