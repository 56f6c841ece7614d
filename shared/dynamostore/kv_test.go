package dynamostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/ddbstub"
	"github.com/cloudscope/cloudscope/shared/testkit/kvtest"
)

func TestMotoKVContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, clock *kvtest.Clock) kv.Store {
		moto.Reset(t)
		client := dynamodbclient.Home(moto.Clients(t))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewKV(client, "cloudscope", clock.Now)
	})
}

// The stub checks the IfAbsent condition itself (ddbstub), so the whole
// contract runs on it too.
func TestStubKVContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, clock *kvtest.Clock) kv.Store {
		return NewKV(dynamodbclient.Home(awsstub.Clients(ddbstub.New().Handler())), "cloudscope", clock.Now)
	})
}

// kv items live under their own pk prefix: a kv partition named like one
// of the table's other keys does not reach them.
func TestMotoKVKeepsToItsOwnKeys(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	client := dynamodbclient.Home(moto.Clients(t))
	if err := CreateTable(ctx, client, "cloudscope"); err != nil {
		t.Fatal(err)
	}
	snaps := NewSnapshotStore(client, "cloudscope", 0, nil)
	if err := snaps.SetStatus(ctx, cloudscope.ScanStatus{ID: "evt", State: cloudscope.StateRunning}); err != nil {
		t.Fatal(err)
	}
	st := NewKV(client, "cloudscope", nil)
	k := kv.Key{Partition: "scan#evt", Sort: "status"} // the status item's pk and sk
	if _, ok, err := st.Get(ctx, k); ok || err != nil {
		t.Fatalf("the scan status is visible as a kv item: %v %v", ok, err)
	}
	if err := st.Put(ctx, kv.Item{Key: k, Value: []byte("kv")}, kv.Always); err != nil {
		t.Fatal(err)
	}
	if s, err := snaps.Status(ctx, "evt"); err != nil || s == nil || s.State != cloudscope.StateRunning {
		t.Fatalf("the scan status after a kv put: %+v %v", s, err)
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("cloudscope"),
		Key: map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("kv#scan#evt"), SortKey: stringAttr("status")}})
	if err != nil || out.Item == nil {
		t.Fatalf("no item under pk kv#scan#evt: %v", err)
	}
}

// Values and expiries round-trip, on the stub and on moto: large values
// gzipped, small and empty ones raw, expiry in whole seconds rounded up
// (and served until then).
func TestKVValuesAndExpiryRoundTrip(t *testing.T) {
	t.Run("stub", func(t *testing.T) {
		kvValuesAndExpiryRoundTrip(t, dynamodbclient.Home(awsstub.Clients(ddbstub.New().Handler())))
	})
	t.Run("moto", func(t *testing.T) {
		moto.Reset(t)
		client := dynamodbclient.Home(moto.Clients(t))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		kvValuesAndExpiryRoundTrip(t, client)
	})
}

func kvValuesAndExpiryRoundTrip(t *testing.T, client *dynamodb.Client) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	st := NewKV(client, "cloudscope", func() time.Time { return now })
	big := bytes.Repeat([]byte(`{"rule":"ec2.idle","monthly":"41.20"},`), 1000)
	exp := now.Add(90*time.Second + 300*time.Millisecond)
	for _, it := range []kv.Item{
		{Key: kv.Key{Partition: "p", Sort: "small"}, Value: []byte(`{"a":1}`)},
		{Key: kv.Key{Partition: "p", Sort: "big"}, Value: big, Expires: exp},
		{Key: kv.Key{Partition: "p", Sort: "empty"}, Value: []byte{}},
	} {
		if err := st.Put(ctx, it, kv.Always); err != nil {
			t.Fatal(err)
		}
		got, ok, err := st.Get(ctx, it.Key)
		if !ok || err != nil || !bytes.Equal(got.Value, it.Value) || got.Key != it.Key {
			t.Fatalf("%s: read back %d bytes %v %v, want %d", it.Key.Sort, len(got.Value), ok, err, len(it.Value))
		}
	}
	raw, _ := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("cloudscope"),
		Key: map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("kv#p"), SortKey: stringAttr("big")}})
	z, ok := raw.Item[kvValueGz].(*ddbtypes.AttributeValueMemberB)
	if !ok || len(z.Value) > len(big)/10 {
		t.Errorf("a %d-byte JSON value is not stored gzipped (%v)", len(big), raw.Item[kvValueGz] != nil)
	}
	if e := raw.Item[TTLAttribute].(*ddbtypes.AttributeValueMemberN).Value; e != fmt.Sprint(now.Unix()+91) {
		t.Errorf("expires_at %s, want %d (rounded up)", e, now.Unix()+91)
	}
	raw, _ = client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("cloudscope"),
		Key: map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("kv#p"), SortKey: stringAttr("small")}})
	if _, ok := raw.Item[kvValue]; !ok || raw.Item[TTLAttribute] != nil {
		t.Errorf("a small value without expiry is stored as %v", slices.Sorted(maps.Keys(raw.Item)))
	}
	now = exp
	if _, ok, _ := st.Get(ctx, kv.Key{Partition: "p", Sort: "big"}); !ok {
		t.Error("an item is not served within the second it expires in")
	}
	now = now.Add(time.Second)
	if _, ok, _ := st.Get(ctx, kv.Key{Partition: "p", Sort: "big"}); ok {
		t.Error("an expired item is served")
	}
}

// A batch never names a key twice (DynamoDB refuses that): the later put
// of a key goes into the next batch, and wins.
func TestKVBatchWithARepeatedKey(t *testing.T) {
	var batches atomic.Int32
	table := ddbstub.New()
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		if in, ok := c.Input.(*dynamodb.BatchWriteItemInput); ok {
			batches.Add(1)
			seen := map[string]bool{}
			for _, r := range in.RequestItems["cloudscope"] {
				k := r.PutRequest.Item[PartitionKey].(*ddbtypes.AttributeValueMemberS).Value + " " + r.PutRequest.Item[SortKey].(*ddbtypes.AttributeValueMemberS).Value
				if seen[k] {
					return nil, awsstub.APIError("ValidationException", "Provided list of item keys contains duplicates")
				}
				seen[k] = true
			}
		}
		return table.Handler()(ctx, c)
	}
	st := NewKV(dynamodbclient.Home(awsstub.Clients(h)), "cloudscope", nil)
	k := kv.Key{Partition: "p", Sort: "k"}
	items := []kv.Item{{Key: k, Value: []byte("1")}, {Key: kv.Key{Partition: "p", Sort: "j"}, Value: []byte("x")}, {Key: k, Value: []byte("2")}}
	if err := st.PutBatch(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	if it, _, _ := st.Get(context.Background(), k); string(it.Value) != "2" || batches.Load() != 2 {
		t.Errorf("got %q in %d batches, want the later value in 2", it.Value, batches.Load())
	}
}

// TestKVUnprocessedItemsAreRetried stubs DynamoDB to leave items unprocessed.
func TestKVUnprocessedItemsAreRetried(t *testing.T) {
	for _, tc := range []struct {
		name     string
		leftOver int32 // calls that leave one item unprocessed
		wantErr  string
	}{
		{"retried until written", 3, ""},
		{"fails loudly when it cannot finish", 100, "still unprocessed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var batches, leftOver atomic.Int32
			leftOver.Store(tc.leftOver)
			table := ddbstub.New()
			h := func(ctx context.Context, c awsstub.Call) (any, error) {
				if in, ok := c.Input.(*dynamodb.BatchWriteItemInput); ok {
					batches.Add(1)
					reqs := in.RequestItems["cloudscope"]
					if len(reqs) > 25 {
						return nil, fmt.Errorf("%d items in one batch", len(reqs))
					}
					if leftOver.Add(-1) >= 0 {
						_, _ = table.Handler()(ctx, awsstub.Call{Input: &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{"cloudscope": reqs[1:]}}})
						return &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]ddbtypes.WriteRequest{"cloudscope": reqs[:1]}}, nil
					}
				}
				return table.Handler()(ctx, c)
			}
			st := NewKV(dynamodbclient.Home(awsstub.Clients(h)), "cloudscope", nil)
			st.backoff = time.Millisecond
			var items []kv.Item
			for i := range 30 { // two batches
				items = append(items, kv.Item{Key: kv.Key{Partition: "p", Sort: fmt.Sprintf("%02d", i)}, Value: []byte("x")})
			}
			err := st.PutBatch(context.Background(), items)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if batches.Load() != 2+3 {
				t.Errorf("%d BatchWriteItem calls, want 2 and 3 retries", batches.Load())
			}
			n := 0
			_ = st.Query(context.Background(), "p", "", "", 0, func(kv.Item) error { n++; return nil })
			if n != 30 {
				t.Errorf("%d items stored, want 30", n)
			}
		})
	}
}

// A page cut by DynamoDB (LastEvaluatedKey) is followed, and a Limit
// counts only the items served, not the expired ones skipped.
func TestKVQueryFollowsEveryPage(t *testing.T) {
	ctx := context.Background()
	table := ddbstub.New()
	var queries atomic.Int32
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		if in, ok := c.Input.(*dynamodb.QueryInput); ok {
			queries.Add(1)
			if in.Limit == nil || *in.Limit > 7 {
				in.Limit = aws.Int32(7) // DynamoDB cuts pages at 1 MB: cut them smaller
			}
		}
		return table.Handler()(ctx, c)
	}
	now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	st := NewKV(dynamodbclient.Home(awsstub.Clients(h)), "cloudscope", func() time.Time { return now })
	var items []kv.Item
	for i := range 40 {
		it := kv.Item{Key: kv.Key{Partition: "p", Sort: fmt.Sprintf("r#%02d", i)}, Value: []byte("x")}
		if i < 10 {
			it.Expires = now.Add(time.Second)
		}
		items = append(items, it)
	}
	if err := st.PutBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	if got := query(t, st, "p", "r#", "", 0); len(got) != 30 || got[0] != "r#10" || got[29] != "r#39" {
		t.Errorf("all pages: %v", got)
	}
	if queries.Load() < 6 {
		t.Errorf("%d queries for 40 items in pages of 7", queries.Load())
	}
	if got := query(t, st, "p", "r#", "", 12); len(got) != 12 || got[0] != "r#10" || got[11] != "r#21" {
		t.Errorf("limit 12 past 10 expired items: %v", got)
	}
}

func query(t *testing.T, st kv.Store, partition, prefix, after string, limit int) []string {
	t.Helper()
	var keys []string
	if err := st.Query(context.Background(), partition, prefix, after, limit, func(it kv.Item) error {
		keys = append(keys, it.Key.Sort)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestKVIAMActionsMatchTheCalls holds KVIAMActions to the calls the kv
// store makes: the infrastructure grants exactly these.
func TestKVIAMActionsMatchTheCalls(t *testing.T) {
	var mu sync.Mutex
	called := map[string]bool{}
	table := ddbstub.New()
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		mu.Lock()
		called["dynamodb:"+c.Operation] = true
		mu.Unlock()
		return table.Handler()(ctx, c)
	}
	st := NewKV(dynamodbclient.Home(awsstub.Clients(h)), "cloudscope", nil)
	ctx := context.Background()
	k := kv.Key{Partition: "p", Sort: "s"}
	steps := []error{
		st.Put(ctx, kv.Item{Key: k, Value: []byte("v")}, kv.Always),
		st.Put(ctx, kv.Item{Key: kv.Key{Partition: "p", Sort: "t"}, Value: []byte("v")}, kv.IfAbsent),
		st.PutBatch(ctx, []kv.Item{{Key: k, Value: []byte("w")}}),
		st.Query(ctx, "p", "", "", 0, func(kv.Item) error { return nil }),
		st.Delete(ctx, k),
	}
	_, _, err := st.Get(ctx, k)
	steps = append(steps, err)
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, KVIAMActions) {
		t.Errorf("the kv store calls %v, KVIAMActions says %v", got, KVIAMActions)
	}
}

// TestKVRecordWriteCost measures what a record costs to write, from the
// stub's counters: one item per record, its size (names and values, as
// DynamoDB bills) and the requests. The record is a savings ledger entry
// as the ledger is expected to shape it (its final fields may differ).
func TestKVRecordWriteCost(t *testing.T) {
	ctx := context.Background()
	const records = 100
	record := func(i int) kv.Item {
		id := fmt.Sprintf("i-0a1b2c3d4e5f%05d", i)
		arn := "arn:aws:ec2:us-east-1:111111111111:instance/" + id
		return kv.Item{Key: kv.Key{Partition: kv.Scope("111111111111", "ledger"), Sort: kv.Join("ec2.idle", arn)},
			Value: fmt.Appendf(nil, `{"rule":"ec2.idle","resource":%q,"account":"111111111111","region":"us-east-1",`+
				`"monthly_savings":"61.3200000000","currency":"USD","first_seen":"2026-11-01T06:00:00Z","last_seen":"2026-12-01T06:00:00Z","state":"open"}`, arn)}
	}
	for _, tc := range []struct {
		name string
		put  func(st *KV) error
		reqs int64
	}{
		{"PutBatch", func(st *KV) error {
			var items []kv.Item
			for i := range records {
				items = append(items, record(i))
			}
			return st.PutBatch(ctx, items)
		}, 4},
		{"Put", func(st *KV) error {
			for i := range records {
				if err := st.Put(ctx, record(i), kv.Always); err != nil {
					return err
				}
			}
			return nil
		}, records},
		{"Put IfAbsent", func(st *KV) error {
			for i := range records {
				if err := st.Put(ctx, record(i), kv.IfAbsent); err != nil {
					return err
				}
			}
			return nil
		}, records},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := ddbstub.New()
			st := NewKV(dynamodbclient.Home(awsstub.Clients(table.Handler())), "cloudscope", nil)
			if err := tc.put(st); err != nil {
				t.Fatal(err)
			}
			items, size, reqs := table.Items.Load(), table.Bytes.Load(), table.Writes.Load()
			raw, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("cloudscope"), Key: st.key(record(0).Key)})
			if err != nil {
				t.Fatal(err)
			}
			stored := 0
			if z, ok := raw.Item[kvValueGz].(*ddbtypes.AttributeValueMemberB); ok {
				stored = len(z.Value)
			}
			t.Logf("%s: %.2f items and %d bytes per record (value %d bytes, gzipped to %d), %d write requests for %d records",
				tc.name, float64(items)/records, size/records, len(record(0).Value), stored, reqs, records)
			if items != records || reqs != tc.reqs {
				t.Errorf("%d items in %d requests for %d records, want one item each in %d", items, reqs, records, tc.reqs)
			}
			if size/records > 1024 { // one write unit is 1 KB
				t.Errorf("%d bytes per record: more than one write unit", size/records)
			}
		})
	}
}
