package scanapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// fakeEngine answers as the engine would, and records what it was asked.
type fakeEngine struct {
	shards   []cloudscope.Shard
	planErr  error
	ran      []cloudscope.Shard
	part     *scan.ShardSummary
	shardErr error
	header   *cloudscope.SnapshotHeader
	finErr   error
	asked    []string
	deadline time.Time // the live shard's context's
}

func (f *fakeEngine) Plan(_ context.Context, id string) ([]cloudscope.Shard, error) {
	f.asked = append(f.asked, "plan "+id)
	return f.shards, f.planErr
}

func (f *fakeEngine) RunShard(_ context.Context, s cloudscope.Shard) (*scan.ShardSummary, error) {
	f.ran = append(f.ran, s)
	return f.part, f.shardErr
}

func (f *fakeEngine) LiveShard(ctx context.Context, s cloudscope.Shard, regions []string) (*cloudscope.ShardPart, error) {
	f.asked = append(f.asked, fmt.Sprintf("live %s %v", s.Key(), regions))
	f.deadline, _ = ctx.Deadline()
	if f.shardErr != nil {
		return nil, f.shardErr
	}
	return &cloudscope.ShardPart{Shard: s, Findings: []cloudscope.Finding{{ID: "ebs.unattached/ebs/us-east-1/vol-1"}},
		Counts: cloudscope.SnapshotCounts{Resources: f.part.Resources}}, nil
}

func (f *fakeEngine) Finalize(_ context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	f.asked = append(f.asked, "finalize "+id)
	return f.header, f.finErr
}

// memItems keeps what PutJSON wrote, encoded.
type memItems struct {
	objects map[string][]byte
	err     error
}

func (m *memItems) PutJSON(_ context.Context, key string, v any) (string, error) {
	if m.err != nil {
		return "", m.err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if m.objects == nil {
		m.objects = map[string][]byte{}
	}
	m.objects[key] = raw
	return "plan-bucket", nil
}

// fixture decodes an events/ fixture as the Lambda runtime would.
func fixture[T any](t *testing.T, path string) T {
	t.Helper()
	raw, err := os.ReadFile("../../events/" + path)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

const scanID = "f2b0c7a4-6e1d-4c1e-9d55-1e2f3a4b5c6d"

// orgShards is a plan of accounts by regions, as the engine makes it.
func orgShards(accounts, regions int, id string) []cloudscope.Shard {
	var out []cloudscope.Shard
	for r := range regions { // the accounts in turn, as the plan orders them
		for a := range accounts {
			out = append(out, cloudscope.Shard{ScanID: id, AccountID: fmt.Sprintf("%012d", 100000000000+a), Region: fmt.Sprintf("region-%02d", r)})
		}
	}
	return out
}

func TestPlanWritesTheShardsWhereTheMapReadsThem(t *testing.T) {
	eng := &fakeEngine{shards: orgShards(1000, 17, scanID)}
	items := &memItems{}
	ev := fixture[PlanEvent](t, "plan/start-execution.json")
	out, err := PlanHandler(eng, items)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if *out != (Plan{ScanID: scanID, Bucket: "plan-bucket", Key: "plans/" + scanID + ".json", Shards: 17000, Concurrency: 100}) {
		t.Errorf("plan %+v", out)
	}
	var back []cloudscope.Shard
	if err := json.Unmarshal(items.objects[out.Key], &back); err != nil || !reflect.DeepEqual(back, eng.shards) {
		t.Errorf("the object holds %d shards (%v), want the engine's %d", len(back), err, len(eng.shards))
	}
	// The state's output is tiny whatever the plan's size; the plan itself
	// would be far past the 256 KiB a state may pass on.
	raw, _ := json.Marshal(out)
	t.Logf("17,000 shards: plan object %d bytes, state output %d bytes", len(items.objects[out.Key]), len(raw))
	if len(raw) > 256 || len(items.objects[out.Key]) < 256*1024 {
		t.Errorf("state output %d bytes, object %d bytes", len(raw), len(items.objects[out.Key]))
	}
	if fmt.Sprint(eng.asked) != "[plan "+scanID+"]" {
		t.Errorf("engine asked %v", eng.asked)
	}
}

func TestPlanFillsTheScanAndRefusesAnother(t *testing.T) {
	items := &memItems{}
	eng := &fakeEngine{shards: []cloudscope.Shard{{AccountID: "123456789012", Region: "us-east-1"}}}
	out, err := PlanHandler(eng, items)(context.Background(), planEvent(scanID))
	if err != nil || out.Shards != 1 || !strings.Contains(string(items.objects[out.Key]), `"scan_id":"`+scanID+`"`) {
		t.Errorf("a shard without its scan: %+v %v %s", out, err, items.objects)
	}
	eng.shards = orgShards(1, 2, "another-scan")
	if _, err := PlanHandler(eng, items)(context.Background(), planEvent(scanID)); err == nil || !strings.Contains(err.Error(), "belongs to scan another-scan") {
		t.Errorf("a shard of another scan: %v", err)
	}
	// No shard at all is still an array: the item reader refuses anything else.
	eng.shards = nil
	out, err = PlanHandler(eng, items)(context.Background(), planEvent(scanID))
	if err != nil || out.Shards != 0 || string(items.objects[out.Key]) != "[]" {
		t.Errorf("an empty plan: %+v %v %s", out, err, items.objects[out.Key])
	}
}

// planEvent is the plan state's payload with the settings' defaults.
func planEvent(id string) PlanEvent {
	return PlanEvent{Event: Event{ScanID: id}, MaxConcurrency: 100, PerAccount: 4}
}

// The map runs min(the setting, accounts x the per-account limit) at once,
// so a small organization's accounts are not read 17 regions at a time.
func TestPlanBoundsTheMapByItsAccounts(t *testing.T) {
	for _, c := range []struct{ accounts, max, perAccount, want int }{
		{1000, 100, 4, 100}, {10, 100, 4, 40}, {10, 500, 4, 40}, {1, 100, 4, 4},
		{25, 100, 4, 100}, {3, 100, 1, 3}, {0, 100, 4, 1},
	} {
		eng := &fakeEngine{shards: orgShards(c.accounts, 17, scanID)}
		ev := PlanEvent{Event: Event{ScanID: scanID}, MaxConcurrency: c.max, PerAccount: c.perAccount}
		out, err := PlanHandler(eng, &memItems{})(context.Background(), ev)
		if err != nil || out.Concurrency != c.want {
			t.Errorf("%d accounts, max %d, %d per account: concurrency %+v %v, want %d", c.accounts, c.max, c.perAccount, out, err, c.want)
		}
	}
	// Without the bounds the map would run 10,000 at once: refused.
	for _, ev := range []PlanEvent{{Event: Event{ScanID: scanID}}, {Event: Event{ScanID: scanID}, MaxConcurrency: 100}, {Event: Event{ScanID: scanID}, PerAccount: 4}} {
		eng := &fakeEngine{shards: orgShards(2, 2, scanID)}
		if _, err := PlanHandler(eng, &memItems{})(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "per_account") || len(eng.asked) != 0 {
			t.Errorf("%+v: %v (engine asked %v)", ev, err, eng.asked)
		}
	}
}

func TestBadEventsAreRefusedBeforeAnyWork(t *testing.T) {
	eng := &fakeEngine{part: &scan.ShardSummary{}, header: &cloudscope.SnapshotHeader{}}
	for _, ev := range []Event{{}, {ScanID: "a b"}, {ScanID: strings.Repeat("x", 200)}} {
		if _, err := PlanHandler(eng, &memItems{})(context.Background(), PlanEvent{Event: ev, MaxConcurrency: 100, PerAccount: 4}); err == nil || !strings.Contains(err.Error(), "scan_id") {
			t.Errorf("plan %q: %v", ev.ScanID, err)
		}
		if _, err := FinalizeHandler(eng)(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "scan_id") {
			t.Errorf("finalize %q: %v", ev.ScanID, err)
		}
	}
	for _, s := range []cloudscope.Shard{
		{AccountID: "123456789012", Region: "us-east-1"},
		{ScanID: scanID, AccountID: "12345678901", Region: "us-east-1"},
		{ScanID: scanID, AccountID: "12345678901x", Region: "us-east-1"},
		{ScanID: scanID, AccountID: "123456789012"},
		{ScanID: scanID, AccountID: "123456789012", Region: "us-east-1", Types: []cloudscope.ResourceType{"vpc"}},
	} {
		if _, err := ShardHandler(eng)(context.Background(), ShardRequest{Shard: s}); err == nil {
			t.Errorf("shard %+v: accepted", s)
		}
	}
	if len(eng.asked) != 0 || len(eng.ran) != 0 {
		t.Errorf("the engine was asked %v and ran %v", eng.asked, eng.ran)
	}
}

func TestShardReturnsASmallSummary(t *testing.T) {
	eng := &fakeEngine{part: &scan.ShardSummary{Key: "k", Resources: 5000, Findings: 7, Errors: 2,
		Calls: map[string]int{"ec2:DescribeInstances": 5, "cloudwatch:GetMetricData": 11}}}
	for _, path := range []string{"shard/map-item.json", "shard/map-item-types.json"} {
		item := fixture[ShardRequest](t, path)
		out, err := ShardHandler(eng)(context.Background(), item)
		if err != nil {
			t.Fatal(err)
		}
		if *out != (MapResult{Shard: item.Key(), Resources: 5000, Findings: 7, Errors: 2}) {
			t.Errorf("%s: %+v", path, out)
		}
		// 17,000 of these are what the map would collect: each must stay small.
		if raw, _ := json.Marshal(out); len(raw) > 120 {
			t.Errorf("%s: a summary of %d bytes: %s", path, len(raw), raw)
		}
	}
	if len(eng.ran) != 2 || eng.ran[1].Region != "eu-west-1" || fmt.Sprint(eng.ran[1].Types) != "[ec2 rds]" {
		t.Errorf("ran %+v", eng.ran)
	}
	eng.part = nil
	if _, err := ShardHandler(eng)(context.Background(), ShardRequest{Shard: eng.ran[0]}); err == nil {
		t.Error("no part, no error")
	}
}

// TestALiveShardAnswersItsPart: the bottlenecks function's live view asks
// the shard function for a shard with live set; the engine runs it without
// storing (LiveShard, never RunShard) and the answer carries the part.
func TestALiveShardAnswersItsPart(t *testing.T) {
	eng := &fakeEngine{part: &scan.ShardSummary{Resources: 3}}
	req := fixture[ShardRequest](t, "shard/live-shard.json")
	if !req.Live || req.Key() != "123456789012#us-east-1" {
		t.Fatalf("the fixture reads %+v", req)
	}
	out, err := ShardHandler(eng)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(eng.ran) != 0 || fmt.Sprint(eng.asked) != "[live 123456789012#us-east-1 [us-east-1 eu-west-1]]" {
		t.Errorf("ran %v, asked %v", eng.ran, eng.asked)
	}
	if out.Part == nil || out.Part.Shard.Key() != req.Key() || len(out.Part.Findings) != 1 || out.Resources != 3 || out.Findings != 1 {
		t.Errorf("answered %+v", out)
	}
	// A map item carries no part: the map's results stay small.
	if out, err := ShardHandler(eng)(context.Background(), ShardRequest{Shard: req.Shard}); err != nil || out.Part != nil {
		t.Errorf("a map item answered %+v, %v", out, err)
	}
	// The view's deadline is the shard's.
	req.Deadline = time.Now().Add(time.Minute).Truncate(time.Second)
	raw, _ := json.Marshal(req)
	var back ShardRequest
	if json.Unmarshal(raw, &back) != nil || !back.Deadline.Equal(req.Deadline) {
		t.Fatalf("the deadline does not travel: %s", raw)
	}
	if _, err := ShardHandler(eng)(context.Background(), back); err != nil || !eng.deadline.Equal(req.Deadline) {
		t.Errorf("the live shard ran with the deadline %v; want %v (%v)", eng.deadline, req.Deadline, err)
	}
	eng.asked = eng.asked[:1]
	// A region that is no region's name is refused before any work.
	req.Regions = []string{"us-east-1", "../etc"}
	if _, err := ShardHandler(eng)(context.Background(), req); err == nil || len(eng.asked) != 1 {
		t.Errorf("a live shard of region ../etc: %v (asked %v)", err, eng.asked)
	}
}

func TestFinalizeReportsTheSnapshot(t *testing.T) {
	eng := &fakeEngine{header: &cloudscope.SnapshotHeader{ID: scanID, Outcome: cloudscope.OutcomePartial,
		Counts: cloudscope.SnapshotCounts{Resources: 42, Findings: 3, ByAccount: map[string]int{"111111111111": 40, "222222222222": 2}},
		Errors: []cloudscope.Failure{{AccountID: "333333333333", Region: "global", Service: "sts", Code: "access_denied"}}}}
	out, err := FinalizeHandler(eng)(context.Background(), fixture[Event](t, "finalize/finalize.json"))
	if err != nil {
		t.Fatal(err)
	}
	if *out != (Finalized{ScanID: scanID, Outcome: "partial", Resources: 42, Findings: 3, Errors: 1, Accounts: 2}) {
		t.Errorf("finalized %+v", out)
	}
	eng.header = nil
	if _, err := FinalizeHandler(eng)(context.Background(), Event{ScanID: scanID}); err == nil {
		t.Error("no snapshot, no error")
	}
}

// TestOnlyPassingFailuresAreRetryable: the state machine retries the error
// type RetryableErrorName; the Lambda runtime names an error after its Go
// type, so Throttled must be called that, and only passing failures may
// become one.
func TestOnlyPassingFailuresAreRetryable(t *testing.T) {
	if name := reflect.TypeOf(Throttled{}).Name(); name != RetryableErrorName {
		t.Errorf("the runtime would name the error %q, the state machine retries %q", name, RetryableErrorName)
	}
	item := cloudscope.Shard{ScanID: scanID, AccountID: "123456789012", Region: "us-east-1"}
	for _, c := range []struct {
		err   error
		retry bool
	}{
		{awsstub.APIError("ThrottlingException", "Rate exceeded"), true},
		{awsstub.APIError("ProvisionedThroughputExceededException", "slow down"), true},
		{awsstub.APIError("ServiceUnavailable", "try again"), true},
		{&cloudscope.Error{Code: cloudscope.CodeTimeout, Message: "timed out"}, true},
		{fmt.Errorf("store: %w", context.DeadlineExceeded), true},
		{awsstub.APIError("AccessDenied", "no"), false},
		{&cloudscope.Error{Code: cloudscope.CodeInvalid, Message: "bad"}, false},
		{errors.New("a bug"), false},
	} {
		eng := &fakeEngine{shardErr: c.err, planErr: c.err, finErr: c.err}
		_, shardErr := ShardHandler(eng)(context.Background(), ShardRequest{Shard: item})
		_, planErr := PlanHandler(eng, &memItems{})(context.Background(), planEvent(scanID))
		_, finErr := FinalizeHandler(eng)(context.Background(), Event{ScanID: scanID})
		for what, err := range map[string]error{"shard": shardErr, "plan": planErr, "finalize": finErr} {
			var th *Throttled
			if errors.As(err, &th) != c.retry || !errors.Is(err, c.err) {
				t.Errorf("%s, %v: got %T %v, retryable %v", what, c.err, err, err, c.retry)
			}
		}
	}
	// A plan that cannot be written for a passing reason is retried too.
	_, err := PlanHandler(&fakeEngine{}, &memItems{err: awsstub.APIError("SlowDown", "reduce your request rate")})(context.Background(), planEvent(scanID))
	var th *Throttled
	if !errors.As(err, &th) {
		t.Errorf("S3 SlowDown: %T %v", err, err)
	}
}
