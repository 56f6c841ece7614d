package dynamostore

import (
	"context"
	"encoding/json"
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

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

func snapshot(id string, resources int) *cloudscope.Snapshot {
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	s := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id, StartedAt: at, FinishedAt: at.Add(time.Minute), Regions: []string{"us-east-1"},
		Errors: []cloudscope.Failure{}, Calls: map[string]int{"discovery": 3}, Notification: cloudscope.NotifyNone},
		Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	for i := range resources {
		s.Resources = append(s.Resources, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%017x", i), Region: "us-east-1",
			Tags: map[string]string{"team": strings.Repeat("x", 200)}, EC2: &cloudscope.EC2Details{InstanceType: "m5.large"}})
	}
	return s
}

func TestMotoSnapshotsRoundTripAndStayWhole(t *testing.T) {
	moto.Reset(t)
	ctx := context.Background()
	client := dynamodbclient.Home(awsconf.NewClients(moto.Config(t, "", awsconf.Options{})))
	if err := CreateTable(ctx, client, "cloudscope"); err != nil {
		t.Fatal(err)
	}
	st := NewSnapshotStore(client, "cloudscope", 0, nil)
	st.chunkItems = 100 // several chunks
	first := snapshot("evt-1", 450)
	if err := st.Save(ctx, first); err != nil {
		t.Fatal(err)
	}
	// The same scan id again, with other contents: refused, and the stored one stays whole.
	if err := st.Save(ctx, snapshot("evt-1", 120)); !errors.Is(err, cloudscope.ErrSnapshotExists) {
		t.Fatalf("second save: %v", err)
	}
	got, err := st.Get(ctx, "evt-1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("read back %d resources; want the first save's %d exactly", len(got.Resources), len(first.Resources))
	}
	if err := st.SetNotification(ctx, "evt-1", cloudscope.NotifyNone, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	hs, err := st.List(ctx, 5)
	if err != nil || len(hs) != 1 || hs[0].Notification != cloudscope.NotifySent {
		t.Errorf("list %+v %v", hs, err)
	}
	if s, err := st.Get(ctx, "nope"); s != nil || err != nil {
		t.Errorf("unknown id: %v %v", s, err)
	}
	second := snapshot("evt-2", 3)
	second.FinishedAt = first.FinishedAt.Add(24 * time.Hour)
	if err := st.Save(ctx, second); err != nil {
		t.Fatal(err)
	}
	if h, err := st.Before(ctx, "evt-2"); err != nil || h == nil || h.ID != "evt-1" {
		t.Errorf("before evt-2: %+v %v", h, err)
	}
	if h, err := st.Before(ctx, "evt-1"); err != nil || h != nil {
		t.Errorf("before the first: %+v %v", h, err)
	}
}

// TestUnprocessedItemsAreRetried stubs DynamoDB to leave items unprocessed.
func TestUnprocessedItemsAreRetried(t *testing.T) {
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
			h := func(_ context.Context, c awsstub.Call) (any, error) {
				switch in := c.Input.(type) {
				case *dynamodb.BatchWriteItemInput:
					batches.Add(1)
					reqs := in.RequestItems["cloudscope"]
					if len(reqs) > 25 {
						return nil, fmt.Errorf("%d items in one batch", len(reqs))
					}
					if leftOver.Add(-1) >= 0 {
						return &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]ddbtypes.WriteRequest{"cloudscope": reqs[:1]}}, nil
					}
					return &dynamodb.BatchWriteItemOutput{}, nil
				case *dynamodb.TransactWriteItemsInput:
					return &dynamodb.TransactWriteItemsOutput{}, nil
				}
				return nil, fmt.Errorf("unexpected %s", c.Operation)
			}
			st := NewSnapshotStore(dynamodbclient.Home(awsstub.Clients(h)), "cloudscope", 0, nil)
			st.chunkItems, st.backoff = 10, time.Millisecond
			err := st.Save(context.Background(), snapshot("evt", 300)) // 30 chunks: two batches
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("got %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && batches.Load() != 2+3 {
				t.Errorf("%d BatchWriteItem calls, want 2 and 3 retries", batches.Load())
			}
		})
	}
}

func TestCancelledTransactionIsADuplicate(t *testing.T) {
	h := func(_ context.Context, c awsstub.Call) (any, error) {
		switch c.Input.(type) {
		case *dynamodb.BatchWriteItemInput:
			return &dynamodb.BatchWriteItemOutput{}, nil
		case *dynamodb.TransactWriteItemsInput:
			return nil, &ddbtypes.TransactionCanceledException{Message: aws.String("cancelled"),
				CancellationReasons: []ddbtypes.CancellationReason{{Code: aws.String("ConditionalCheckFailed")}, {Code: aws.String("None")}}}
		}
		return nil, fmt.Errorf("unexpected %s", c.Operation)
	}
	err := NewSnapshotStore(dynamodbclient.Home(awsstub.Clients(h)), "cloudscope", 0, nil).Save(context.Background(), snapshot("evt", 3))
	if !errors.Is(err, cloudscope.ErrSnapshotExists) {
		t.Errorf("got %v", err)
	}
}

// TestIAMActionsMatchTheCalls holds the declared actions to the calls the
// store and the cache make: the infrastructure grants exactly these.
func TestIAMActionsMatchTheCalls(t *testing.T) {
	var mu sync.Mutex
	called := map[string]bool{}
	leaseHeld := false
	record := func(actions ...string) {
		mu.Lock()
		for _, a := range actions {
			called[a] = true
		}
		mu.Unlock()
	}
	h := func(_ context.Context, c awsstub.Call) (any, error) {
		switch in := c.Input.(type) {
		case *dynamodb.TransactWriteItemsInput: // a transaction needs the actions of its writes
			for _, it := range in.TransactItems {
				if it.Put != nil {
					record("dynamodb:PutItem")
				}
				if it.Update != nil {
					record("dynamodb:UpdateItem")
				}
			}
			return &dynamodb.TransactWriteItemsOutput{}, nil
		case *dynamodb.UpdateItemInput:
			record("dynamodb:UpdateItem")
			return &dynamodb.UpdateItemOutput{}, nil
		case *dynamodb.BatchWriteItemInput:
			record("dynamodb:BatchWriteItem")
			return &dynamodb.BatchWriteItemOutput{}, nil
		case *dynamodb.GetItemInput:
			record("dynamodb:GetItem")
			return &dynamodb.GetItemOutput{Item: map[string]ddbtypes.AttributeValue{"finished_at": &ddbtypes.AttributeValueMemberS{Value: "2026-11-26T00:00:00Z"}}}, nil
		case *dynamodb.QueryInput:
			record("dynamodb:Query")
			return &dynamodb.QueryOutput{}, nil
		case *dynamodb.PutItemInput:
			record("dynamodb:PutItem")
			if leaseHeld && strings.Contains(aws.ToString(in.ConditionExpression), "holder") {
				return nil, &ddbtypes.ConditionalCheckFailedException{Message: aws.String("held")}
			}
			return &dynamodb.PutItemOutput{}, nil
		}
		return nil, fmt.Errorf("unexpected %s", c.Operation)
	}
	client := dynamodbclient.Home(awsstub.Clients(h))
	st := NewSnapshotStore(client, "cloudscope", 0, nil)
	ctx := context.Background()
	_, _ = st.List(ctx, 5)
	_, _ = st.Before(ctx, "evt")
	_, _ = st.Latest(ctx)
	if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, SnapshotReadIAMActions) {
		t.Errorf("reads call %v, SnapshotReadIAMActions says %v", got, SnapshotReadIAMActions)
	}
	if err := st.Save(ctx, snapshot("evt", 3)); err != nil {
		t.Fatal(err)
	}
	if err := st.SetNotification(ctx, "evt", cloudscope.NotifyNone, cloudscope.NotifySent); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, SnapshotIAMActions) {
		t.Errorf("the store calls %v, SnapshotIAMActions says %v", got, SnapshotIAMActions)
	}
	called = map[string]bool{}
	_ = st.SetStatus(ctx, cloudscope.ScanStatus{ID: "evt", State: cloudscope.StateRunning})
	_, _ = st.Status(ctx, "evt")
	if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, StatusIAMActions) {
		t.Errorf("the scan status calls %v, StatusIAMActions says %v", got, StatusIAMActions)
	}
	called = map[string]bool{}
	if h, err := st.AcquireScanLease(ctx, "evt", time.Minute); h != "" || err != nil {
		t.Errorf("lease: %q %v", h, err)
	}
	_ = st.ReleaseScanLease(ctx, "evt")
	leaseHeld = true // refused, without the holder: the store reads it
	_, _ = st.AcquireScanLease(ctx, "other", time.Minute)
	if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, LeaseIAMActions) {
		t.Errorf("the lease calls %v, LeaseIAMActions says %v", got, LeaseIAMActions)
	}
	for _, c := range []struct {
		name    string
		call    func() error
		actions []string
	}{
		{"SavePart", func() error {
			return st.SavePart(ctx, storetest.Part(cloudscope.Shard{ScanID: "org", AccountID: "111111111111", Region: "us-east-1"}, time.Now(), 3, "a"))
		}, PartIAMActions},
		{"PartSummaries and FinalizeParts", func() error {
			if err := st.PartSummaries(ctx, "org", func(cloudscope.ShardPart) error { return nil }); err != nil {
				return err
			}
			return st.FinalizeParts(ctx, cloudscope.SnapshotHeader{ID: "org", FinishedAt: time.Now()}, nil, nil)
		}, FinalizeIAMActions},
		{"SetShardTotal and ShardDone", func() error {
			if err := st.SetShardTotal(ctx, "org", 3); err != nil {
				return err
			}
			return st.ShardDone(ctx, "org", true)
		}, ShardProgressIAMActions},
	} {
		called = map[string]bool{}
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, c.actions) {
			t.Errorf("%s calls %v, its IAM list says %v", c.name, got, c.actions)
		}
	}
	called = map[string]bool{}
	cache := NewCostCache(client, "cloudscope", nil)
	_, _, _ = cache.Get(ctx, "k")
	_ = cache.Put(ctx, "k", []byte("v"), time.Hour)
	if got := slices.Sorted(maps.Keys(called)); !slices.Equal(got, IAMActions) {
		t.Errorf("the cost cache calls %v, IAMActions says %v", got, IAMActions)
	}
}

func TestMotoStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) scan.Store {
		moto.Reset(t)
		client := dynamodbclient.Home(awsconf.NewClients(moto.Config(t, "", awsconf.Options{})))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}

func TestMotoInventoryContract(t *testing.T) {
	storetest.RunInventory(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		moto.Reset(t)
		client := dynamodbclient.Home(awsconf.NewClients(moto.Config(t, "", awsconf.Options{})))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}

func TestMotoPartsContract(t *testing.T) {
	storetest.RunParts(t, func(t *testing.T, clock *storetest.Clock) storetest.PartsStore {
		moto.Reset(t)
		client := dynamodbclient.Home(awsconf.NewClients(moto.Config(t, "", awsconf.Options{})))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		st := NewSnapshotStore(client, "cloudscope", 0, clock.Now)
		st.chunkItems, st.pieceBytes = 100, 200 // several chunks a group, several pieces a summary and a manifest
		return st
	})
}

func TestMotoInventoryAccountsContract(t *testing.T) {
	storetest.RunInventoryAccounts(t, func(t *testing.T, clock *storetest.Clock) storetest.InventoryStore {
		moto.Reset(t)
		client := dynamodbclient.Home(awsconf.NewClients(moto.Config(t, "", awsconf.Options{})))
		if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
			t.Fatal(err)
		}
		return NewSnapshotStore(client, "cloudscope", 0, clock.Now)
	})
}
