package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// A snapshot is stored as items under pk "snapshot#<id>": the header (sk
// "header") and gzipped JSON chunks of its resources, findings and
// undecided rules (sk "chunk#<attempt>#<kind>#<n>"), each well under 400 KB.
// The attempt is random per Save and the header names it with the chunk
// counts: two deliveries of one scan racing, or a retry after a failure,
// never mix their chunks, and a read checks it got them all. An index
// item per snapshot under pk "snapshots", sorted by finish time, lists them
// newest first. Every read is by key or by Query on a key: never a Scan.

// SnapshotIAMActions lists the table actions the snapshot store calls (a
// transaction needs the actions of the writes inside it: PutItem, UpdateItem).
var SnapshotIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}

// SnapshotReadIAMActions are what reading snapshots calls: Get, List, Latest, Before.
var SnapshotReadIAMActions = []string{"dynamodb:GetItem", "dynamodb:Query"}

// StatusIAMActions are what a scan's status calls: SetStatus and Status
// (POST /scans writes "queued"; the scan writes the rest).
var StatusIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// LeaseIAMActions are what the one-scan-at-a-time lease calls: acquiring
// it is a conditional PutItem (and a GetItem of the holder where a server
// does not return it), releasing it a conditional UpdateItem.
var LeaseIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}

// SnapshotAPI is the part of the DynamoDB client the snapshot store calls.
type SnapshotAPI interface {
	API
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// SnapshotStore is a scan.Store in the table.
type SnapshotStore struct {
	client    SnapshotAPI
	table     string
	retention time.Duration
	now       func() time.Time
	// chunkItems is how many records go into one chunk before compression.
	chunkItems int
	// backoff is the first wait before retrying unprocessed items; it doubles.
	backoff time.Duration
	// Writes counts the items written, for the benchmark.
	Writes int
	// attempts keeps each stored snapshot's chunk attempt (id -> string).
	attempts sync.Map
	// conditional serialises this process's conditional writes (the lease,
	// the notification state). Across processes DynamoDB's condition checks
	// are atomic; within one they need no race at all, and the emulator the
	// tests use checks a condition and writes without a lock (two
	// concurrent conditional puts can both succeed there).
	conditional sync.Mutex
}

// NewSnapshotStore returns the store in table, keeping snapshots for
// retention (default 90 days) through the table's TTL.
func NewSnapshotStore(client SnapshotAPI, table string, retention time.Duration, now func() time.Time) *SnapshotStore {
	if retention <= 0 {
		retention = 90 * 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	return &SnapshotStore{client: client, table: table, retention: retention, now: now, chunkItems: 500, backoff: 50 * time.Millisecond}
}

// stringAttr is a string attribute value.
func stringAttr(v string) *ddbtypes.AttributeValueMemberS {
	return &ddbtypes.AttributeValueMemberS{Value: v}
}

func snapKey(id, sk string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("snapshot#" + id), SortKey: stringAttr(sk)}
}

// chunks splits records into gzipped pieces of at most MaxValueBytes.
func chunks[T any](records []T, per int) ([][]byte, error) {
	var out [][]byte
	for len(records) > 0 {
		n := min(per, len(records))
		for {
			b, err := gzjson.Marshal(records[:n])
			if err != nil {
				return nil, err
			}
			if len(b) <= MaxValueBytes {
				out = append(out, b)
				break
			}
			if n == 1 {
				return nil, fmt.Errorf("one record is %d bytes compressed, over the item limit", len(b))
			}
			n /= 2
		}
		records = records[n:]
	}
	return out, nil
}

// Save writes the chunks, then the header and index in one transaction that
// fails if the header exists: a scan id is stored once.
func (st *SnapshotStore) Save(ctx context.Context, snap *cloudscope.Snapshot) error {
	expires := &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(snap.FinishedAt.Add(st.retention).Unix(), 10)}
	var items []map[string]ddbtypes.AttributeValue
	counts := map[string]int{}
	attempt := newAttempt()
	add := func(kind string, blobs [][]byte) {
		for i, b := range blobs {
			item := snapKey(snap.ID, fmt.Sprintf("chunk#%s#%s#%05d", attempt, kind, i))
			item["data"] = &ddbtypes.AttributeValueMemberB{Value: b}
			item[TTLAttribute] = expires
			items = append(items, item)
		}
		counts[strings.SplitN(kind, "#", 2)[0]] += len(blobs)
	}
	// Resources in the stored order (cloudscope.CompareStored), chunked by
	// region and type: "resources#<region>#<type index>", so that a page of
	// one region, or the first page of all, is one Query.
	for group, rs := range cloudscope.StoredGroups(snap.Resources) {
		blobs, err := chunks(rs, st.chunkItems)
		if err != nil {
			return fmt.Errorf("snapshot %s resources: %w", snap.ID, err)
		}
		add("resources#"+group, blobs)
	}
	for kind, part := range map[string]func() ([][]byte, error){
		"findings":     func() ([][]byte, error) { return chunks(snap.Findings, st.chunkItems) },
		"insufficient": func() ([][]byte, error) { return chunks(snap.Insufficient, st.chunkItems) },
	} {
		blobs, err := part()
		if err != nil {
			return fmt.Errorf("snapshot %s %s: %w", snap.ID, kind, err)
		}
		add(kind, blobs)
	}
	if err := st.batchWrite(ctx, items); err != nil {
		return err
	}

	header, err := gzjson.Marshal(snap.SnapshotHeader)
	if err != nil {
		return err
	}
	if len(header) > MaxValueBytes {
		return fmt.Errorf("snapshot %s: the header is %d bytes compressed, over the item limit", snap.ID, len(header))
	}
	finished := snap.FinishedAt.UTC().Format(time.RFC3339Nano)
	h := snapKey(snap.ID, "header")
	h["data"] = &ddbtypes.AttributeValueMemberB{Value: header}
	h["notification"] = stringAttr(snap.Notification)
	h["finished_at"] = stringAttr(finished)
	h["attempt"] = stringAttr(attempt)
	countsJSON, _ := json.Marshal(counts)
	h["chunks"] = stringAttr(string(countsJSON))
	h["outcome"] = stringAttr(snap.Outcome)
	h[TTLAttribute] = expires
	// A scan id is stored once, unless it was stored as a failed scan,
	// which a retried delivery replaces. A failed scan gets no index
	// entry: it is kept for Get, never the latest or a diff's base.
	puts := []ddbtypes.TransactWriteItem{{Put: &ddbtypes.Put{TableName: aws.String(st.table), Item: h,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR outcome = :failed"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":failed": stringAttr(cloudscope.OutcomeFailed)}}}}
	if !snap.Failed() {
		idx := map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("snapshots"), SortKey: stringAttr(finished + "#" + snap.ID), "id": stringAttr(snap.ID),
			"data": h["data"], "attempt": h["attempt"], TTLAttribute: expires}
		puts = append(puts, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String(st.table), Item: idx}})
	}
	_, err = st.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: puts})
	if err != nil {
		var cancelled *ddbtypes.TransactionCanceledException
		if errors.As(err, &cancelled) && len(cancelled.CancellationReasons) > 0 && aws.ToString(cancelled.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return cloudscope.ErrSnapshotExists
		}
		return awserr.Wrap(err, "dynamodb TransactWriteItems")
	}
	st.Writes += 2
	return nil
}

// batchWrite writes items 25 at a time, retrying what DynamoDB leaves
// unprocessed with backoff, and fails loudly if it cannot finish.
func (st *SnapshotStore) batchWrite(ctx context.Context, items []map[string]ddbtypes.AttributeValue) error {
	for len(items) > 0 {
		n := min(25, len(items))
		req := map[string][]ddbtypes.WriteRequest{}
		for _, it := range items[:n] {
			req[st.table] = append(req[st.table], ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: it}})
		}
		st.Writes += n
		items = items[n:]
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt == 8 {
				return fmt.Errorf("dynamodb BatchWriteItem: %d items still unprocessed after %d attempts", len(req[st.table]), attempt)
			}
			if attempt > 0 {
				select {
				case <-time.After(st.backoff << attempt):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			out, err := st.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return awserr.Wrap(err, "dynamodb BatchWriteItem")
			}
			req = out.UnprocessedItems
		}
	}
	return nil
}

// Get reads snapshot id: its header, then its chunks by Query on its key.
func (st *SnapshotStore) Get(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb GetItem")
	}
	if out.Item == nil {
		return nil, nil
	}
	snap := &cloudscope.Snapshot{Resources: []cloudscope.Resource{}, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
	if err := decodeHeader(out.Item, &snap.SnapshotHeader); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	attempt, _ := out.Item["attempt"].(*ddbtypes.AttributeValueMemberS)
	chunksAttr, _ := out.Item["chunks"].(*ddbtypes.AttributeValueMemberS)
	if attempt == nil || chunksAttr == nil {
		return nil, fmt.Errorf("snapshot %s: the header names no chunks", id)
	}
	want := map[string]int{}
	if err := json.Unmarshal([]byte(chunksAttr.Value), &want); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	got := map[string]int{}
	prefix := "chunk#" + attempt.Value + "#"
	pages := dynamodb.NewQueryPaginator(st.client, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :chunk)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": stringAttr("snapshot#" + id), ":chunk": stringAttr(prefix)},
		ConsistentRead:            aws.Bool(true),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awserr.Wrap(err, "dynamodb Query")
		}
		for _, item := range page.Items {
			sk := item[SortKey].(*ddbtypes.AttributeValueMemberS).Value
			data := item["data"].(*ddbtypes.AttributeValueMemberB).Value
			kind, _, _ := strings.Cut(strings.TrimPrefix(sk, prefix), "#")
			got[kind]++
			switch kind {
			case "resources":
				err = appendChunk(data, &snap.Resources)
			case "findings":
				err = appendChunk(data, &snap.Findings)
			case "insufficient":
				err = appendChunk(data, &snap.Insufficient)
			}
			if err != nil {
				return nil, fmt.Errorf("snapshot %s chunk %s: %w", id, sk, err)
			}
		}
	}
	for kind, n := range want {
		if got[kind] != n {
			return nil, fmt.Errorf("snapshot %s: %d of its %d %s chunks are stored", id, got[kind], n, kind)
		}
	}
	// Stored by region and type: back in the scan's order.
	slices.SortStableFunc(snap.Resources, cloudscope.CompareResources)
	return snap, nil
}

// newAttempt is a random token for one Save.
func newAttempt() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func appendChunk[T any](data []byte, dst *[]T) error {
	var part []T
	if err := gzjson.Unmarshal(data, &part); err != nil {
		return err
	}
	*dst = append(*dst, part...)
	return nil
}

func decodeHeader(item map[string]ddbtypes.AttributeValue, h *cloudscope.SnapshotHeader) error {
	b, ok := item["data"].(*ddbtypes.AttributeValueMemberB)
	if !ok {
		return errors.New("no data")
	}
	if err := gzjson.Unmarshal(b.Value, h); err != nil {
		return err
	}
	// The notification state changes after the header is written.
	if n, ok := item["notification"].(*ddbtypes.AttributeValueMemberS); ok {
		h.Notification = n.Value
	}
	return nil
}

// List returns up to limit headers, newest first, from the index.
func (st *SnapshotStore) List(ctx context.Context, limit int) ([]cloudscope.SnapshotHeader, error) {
	out, err := st.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": stringAttr("snapshots")},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb Query")
	}
	headers := []cloudscope.SnapshotHeader{}
	for _, item := range out.Items {
		var h cloudscope.SnapshotHeader
		if err := decodeHeader(item, &h); err != nil {
			return nil, err
		}
		st.remember(&h, item)
		headers = append(headers, h)
	}
	return headers, nil
}

// Before returns the header of the snapshot stored just before id, or nil:
// the index entry before id's, by one Query on the index's key.
func (st *SnapshotStore) Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"),
		ProjectionExpression: aws.String("finished_at"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb GetItem")
	}
	finished, ok := out.Item["finished_at"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return nil, nil
	}
	q, err := st.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		KeyConditionExpression:    aws.String("pk = :pk AND sk < :sk"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": stringAttr("snapshots"), ":sk": stringAttr(finished.Value + "#" + id)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb Query")
	}
	if len(q.Items) == 0 {
		return nil, nil
	}
	var h cloudscope.SnapshotHeader
	if err := decodeHeader(q.Items[0], &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// LatestHeader is the newest snapshot's header, or nil: one Query on the index.
func (st *SnapshotStore) LatestHeader(ctx context.Context) (*cloudscope.SnapshotHeader, error) {
	hs, err := st.List(ctx, 1)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return &hs[0], nil
}

// Header is snapshot id's header, or nil: one GetItem.
func (st *SnapshotStore) Header(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb GetItem")
	}
	if out.Item == nil {
		return nil, nil
	}
	var h cloudscope.SnapshotHeader
	if err := decodeHeader(out.Item, &h); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	st.remember(&h, out.Item)
	return &h, nil
}

// remember keeps the attempt of a stored snapshot's chunks, so that reading
// its resources after its header costs no other read. A stored snapshot
// never changes but for a failed one, which a retry replaces: those are not
// kept.
func (st *SnapshotStore) remember(h *cloudscope.SnapshotHeader, item map[string]ddbtypes.AttributeValue) {
	if a, ok := item["attempt"].(*ddbtypes.AttributeValueMemberS); ok && !h.Failed() {
		st.attempts.Store(h.ID, a.Value)
	}
}

// attempt is the attempt whose chunks snapshot id holds, or "" when it is not stored.
func (st *SnapshotStore) attempt(ctx context.Context, id string) (string, error) {
	if a, ok := st.attempts.Load(id); ok {
		return a.(string), nil
	}
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"),
		ProjectionExpression: aws.String("attempt"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", awserr.Wrap(err, "dynamodb GetItem")
	}
	if a, ok := out.Item["attempt"].(*ddbtypes.AttributeValueMemberS); ok {
		return a.Value, nil
	}
	return "", nil
}

// ResourceChunks calls fn with snapshot id's resources in regions (all when
// none), chunk by chunk in the stored order: one Query a region (or one for
// all), read page by page only as far as fn wants.
func (st *SnapshotStore) ResourceChunks(ctx context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error {
	attempt, err := st.attempt(ctx, id)
	if err != nil || attempt == "" {
		return err
	}
	base := "chunk#" + attempt + "#resources#"
	prefixes := []string{base}
	if len(regions) > 0 {
		prefixes = nil
		for _, r := range slices.Sorted(slices.Values(regions)) {
			prefixes = append(prefixes, base+r+"#")
		}
	}
	for _, prefix := range prefixes {
		pages := dynamodb.NewQueryPaginator(st.client, &dynamodb.QueryInput{
			TableName:                 aws.String(st.table),
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :chunk)"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": stringAttr("snapshot#" + id), ":chunk": stringAttr(prefix)},
			ConsistentRead:            aws.Bool(true), // a snapshot just stored is read whole
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return awserr.Wrap(err, "dynamodb Query")
			}
			for _, item := range page.Items {
				var part []cloudscope.Resource
				if err := appendChunk(item["data"].(*ddbtypes.AttributeValueMemberB).Value, &part); err != nil {
					return fmt.Errorf("snapshot %s chunk: %w", id, err)
				}
				if err := fn(part); err != nil {
					if errors.Is(err, cloudscope.ErrStop) {
						return nil
					}
					return err
				}
			}
		}
	}
	return nil
}

// Latest returns the newest snapshot, or nil.
func (st *SnapshotStore) Latest(ctx context.Context) (*cloudscope.Snapshot, error) {
	hs, err := st.List(ctx, 1)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return st.Get(ctx, hs[0].ID)
}

// SetNotification moves the notification state of snapshot id from from
// to state, on its header and on its index entry together, on the
// condition that both still hold from: otherwise cloudscope.ErrStateChanged.
func (st *SnapshotStore) SetNotification(ctx context.Context, id, from, state string) error {
	st.conditional.Lock()
	defer st.conditional.Unlock()
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"),
		ProjectionExpression: aws.String("finished_at"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return awserr.Wrap(err, "dynamodb GetItem")
	}
	finished, ok := out.Item["finished_at"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return fmt.Errorf("snapshot %s is not stored", id)
	}
	// The header is the state's owner: the condition is on it.
	header := &ddbtypes.Update{TableName: aws.String(st.table), Key: snapKey(id, "header"),
		UpdateExpression:          aws.String("SET notification = :n"),
		ConditionExpression:       aws.String("notification = :from"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": stringAttr(state), ":from": stringAttr(from)}}
	index := &ddbtypes.Update{TableName: aws.String(st.table),
		Key:                       map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("snapshots"), SortKey: stringAttr(finished.Value + "#" + id)},
		UpdateExpression:          aws.String("SET notification = :n"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": stringAttr(state)}}
	_, err = st.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{{Update: header}, {Update: index}}})
	var cancelled *ddbtypes.TransactionCanceledException
	if errors.As(err, &cancelled) {
		for _, r := range cancelled.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return cloudscope.ErrStateChanged
			}
		}
	}
	if err != nil {
		return awserr.Wrap(err, "dynamodb TransactWriteItems")
	}
	return nil
}

// leaseKey is the one item of the scan lease.
var leaseKey = map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("lease"), SortKey: stringAttr("scan")}

// AcquireScanLease makes id the running scan for ttl, by a PutItem on
// the condition that the lease is free, expired, or id's own; when another
// scan holds it, it answers that scan's id.
func (st *SnapshotStore) AcquireScanLease(ctx context.Context, id string, ttl time.Duration) (string, error) {
	st.conditional.Lock()
	defer st.conditional.Unlock()
	until := st.now().Add(ttl)
	item := map[string]ddbtypes.AttributeValue{PartitionKey: leaseKey[PartitionKey], SortKey: leaseKey[SortKey],
		"holder": stringAttr(id), TTLAttribute: &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(until.Unix(), 10)}}
	_, err := st.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item,
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR #exp < :now OR holder = :id"),
		ExpressionAttributeNames: map[string]string{"#exp": TTLAttribute},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":now": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(st.now().Unix(), 10)}, ":id": stringAttr(id)},
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		if h, ok := failed.Item["holder"].(*ddbtypes.AttributeValueMemberS); ok && h.Value != "" {
			return h.Value, nil
		}
		// A server that does not return the item: read who holds it.
		out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: leaseKey, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return "", awserr.Wrap(err, "dynamodb GetItem")
		}
		if h, ok := out.Item["holder"].(*ddbtypes.AttributeValueMemberS); ok && h.Value != "" {
			return h.Value, nil
		}
		return "", fmt.Errorf("the scan lease is held, but its holder is unknown")
	}
	if err != nil {
		return "", awserr.Wrap(err, "dynamodb PutItem")
	}
	return "", nil
}

// ReleaseScanLease ends id's lease (an UpdateItem that expires it, on the
// condition that id holds it); a lease another scan holds is left alone.
func (st *SnapshotStore) ReleaseScanLease(ctx context.Context, id string) error {
	_, err := st.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(st.table), Key: leaseKey,
		UpdateExpression:          aws.String("SET #exp = :zero"),
		ConditionExpression:       aws.String("holder = :id"),
		ExpressionAttributeNames:  map[string]string{"#exp": TTLAttribute},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":zero": &ddbtypes.AttributeValueMemberN{Value: "0"}, ":id": stringAttr(id)},
	})
	var failed *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil
	}
	return awserr.Wrap(err, "dynamodb UpdateItem")
}

// SetStatus stores a scan's status under pk "scan#<id>", sk "status", for
// StatusRetention (the table's TTL).
func (st *SnapshotStore) SetStatus(ctx context.Context, status cloudscope.ScanStatus) error {
	data, err := json.Marshal(status)
	if err != nil {
		return err
	}
	_, err = st.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: map[string]ddbtypes.AttributeValue{
		PartitionKey: stringAttr("scan#" + status.ID), SortKey: stringAttr("status"),
		"data":       stringAttr(string(data)),
		"expires_at": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(st.now().Add(cloudscope.StatusRetention).Unix(), 10)},
	}})
	return awserr.Wrap(err, "dynamodb PutItem")
}

// Status reads scan id's status, or nil when there is none (or it expired:
// the TTL deletes within days, so the expiry is checked here too).
func (st *SnapshotStore) Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table),
		Key: map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("scan#" + id), SortKey: stringAttr("status")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb GetItem")
	}
	data, ok := out.Item["data"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return nil, nil
	}
	if exp, ok := out.Item["expires_at"].(*ddbtypes.AttributeValueMemberN); ok {
		if sec, err := strconv.ParseInt(exp.Value, 10, 64); err == nil && st.now().Unix() > sec {
			return nil, nil
		}
	}
	var status cloudscope.ScanStatus
	if err := json.Unmarshal([]byte(data.Value), &status); err != nil {
		return nil, fmt.Errorf("scan %s status: %w", id, err)
	}
	return &status, nil
}
