package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
// never mix their chunks, and a read checks it got them all. Resources are
// chunked by group, kind "resources#<account>#<region>#<type index>" (or
// "resources#<region>#<type index>" for resources without an account, as
// every snapshot stored before accounts has them), so that the keys sort
// in the stored order (cloudscope.CompareStored); the header and its index
// entry list the accounts ("accounts"), so that a read of some regions is
// one Query per account and region. An index item per snapshot under pk
// "snapshots", sorted by finish time, lists them newest first. Every read
// is by key or by Query on a key: never a Scan. A sharded scan's parts and
// their finalized snapshot: parts.go.

// SnapshotIAMActions lists the table actions the snapshot store calls (a
// transaction needs the actions of the writes inside it: PutItem, UpdateItem).
var SnapshotIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}

// SnapshotReadIAMActions are what reading snapshots calls: Get, List, Latest, Before.
var SnapshotReadIAMActions = []string{"dynamodb:GetItem", "dynamodb:Query"}

// StatusIAMActions are what a scan's status calls: SetStatus and Status
// (POST /scans writes "queued"; the scan writes the rest). SetStatus is an
// UpdateItem, so that it leaves a sharded scan's counters alone.
var StatusIAMActions = []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}

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
	Writes  int
	writeMu sync.Mutex
	// pieceBytes bounds one piece of a part's summary or a manifest.
	pieceBytes int
	// layouts keeps each stored snapshot's layout (id -> *layout);
	// manifests the accepted parts of the sharded snapshots read last.
	layouts   sync.Map
	manifests manifestCache
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
	return &SnapshotStore{client: client, table: table, retention: retention, now: now, chunkItems: 500, backoff: 50 * time.Millisecond, pieceBytes: MaxValueBytes}
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
	extra := map[string]ddbtypes.AttributeValue{}
	if accounts := accountsOf(snap.Resources); len(accounts) > 0 {
		b, _ := json.Marshal(accounts)
		extra["accounts"] = stringAttr(string(b))
	}
	return st.commit(ctx, &snap.SnapshotHeader, attempt, counts, extra)
}

// accountsOf lists the accounts of rs in the order their groups' keys sort
// (cloudscope.CompareStored): "" (resources without one) last; nil when
// no resource has one.
func accountsOf(rs []cloudscope.Resource) []string {
	seen := map[string]bool{}
	any := false
	for i := range rs {
		seen[rs[i].AccountID] = true
		any = any || rs[i].AccountID != ""
	}
	if !any {
		return nil
	}
	out := slices.Sorted(maps.Keys(seen))
	if out[0] == "" {
		out = append(out[1:], "")
	}
	return out
}

// commit writes the header and the index entry of a snapshot whose chunks
// (attempt, counts by kind) are stored, in one transaction that fails if
// the header exists: a scan id is stored once.
func (st *SnapshotStore) commit(ctx context.Context, snap *cloudscope.SnapshotHeader, attempt string, counts map[string]int, extra map[string]ddbtypes.AttributeValue) error {
	expires := &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(snap.FinishedAt.Add(st.retention).Unix(), 10)}
	header, err := gzjson.Marshal(snap)
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
	maps.Copy(h, extra)
	// A scan id is stored once, unless it was stored as a failed scan,
	// which a retried delivery replaces. A failed scan gets no index
	// entry: it is kept for Get, never the latest or a diff's base.
	puts := []ddbtypes.TransactWriteItem{{Put: &ddbtypes.Put{TableName: aws.String(st.table), Item: h,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR outcome = :failed"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":failed": stringAttr(cloudscope.OutcomeFailed)}}}}
	if !snap.Failed() {
		idx := map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("snapshots"), SortKey: stringAttr(finished + "#" + snap.ID), "id": stringAttr(snap.ID),
			"data": h["data"], "attempt": h["attempt"], TTLAttribute: expires}
		maps.Copy(idx, extra)
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
	st.wrote(2)
	return nil
}

// wrote counts n items written.
func (st *SnapshotStore) wrote(n int) {
	st.writeMu.Lock()
	st.Writes += n
	st.writeMu.Unlock()
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
		st.wrote(n)
		items = items[n:]
		if err := writeAll(ctx, st.client, st.table, req[st.table], st.backoff); err != nil {
			return err
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
	if parts, ok := out.Item["parts"].(*ddbtypes.AttributeValueMemberS); ok {
		m, err := st.manifest(ctx, id, attempt.Value, parts.Value)
		if err != nil {
			return nil, err
		}
		n, err := st.partResources(ctx, id, m, nil, func(rs []cloudscope.Resource) error { snap.Resources = append(snap.Resources, rs...); return nil })
		if err != nil {
			return nil, err
		}
		got["resources"], want["resources"] = n, m.chunks
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

// layout is how a stored snapshot's resources are keyed: its chunks'
// attempt, the accounts of its resources (none: the layout before
// accounts), and for a sharded one, its manifest's pieces.
type layout struct {
	attempt  string
	accounts []string
	parts    string
}

// layoutOf reads the layout off a header or index item.
func layoutOf(item map[string]ddbtypes.AttributeValue) *layout {
	a, ok := item["attempt"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return nil
	}
	l := &layout{attempt: a.Value}
	if v, ok := item["accounts"].(*ddbtypes.AttributeValueMemberS); ok {
		_ = json.Unmarshal([]byte(v.Value), &l.accounts)
	}
	if v, ok := item["parts"].(*ddbtypes.AttributeValueMemberS); ok {
		l.parts = v.Value
	}
	return l
}

// remember keeps the layout of a stored snapshot, so that reading its
// resources after its header costs no other read. A stored snapshot never
// changes but for a failed one, which a retry replaces: those are not kept.
func (st *SnapshotStore) remember(h *cloudscope.SnapshotHeader, item map[string]ddbtypes.AttributeValue) {
	if l := layoutOf(item); l != nil && !h.Failed() {
		st.layouts.Store(h.ID, l)
	}
}

// layout is snapshot id's layout, or nil when it is not stored.
func (st *SnapshotStore) layout(ctx context.Context, id string) (*layout, error) {
	if l, ok := st.layouts.Load(id); ok {
		return l.(*layout), nil
	}
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"),
		ProjectionExpression: aws.String("attempt, accounts, parts"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb GetItem")
	}
	return layoutOf(out.Item), nil
}

// ResourceChunks calls fn with snapshot id's resources in regions (all when
// none), chunk by chunk in the stored order: one Query for all, or one per
// account and region asked, read page by page only as far as fn wants.
func (st *SnapshotStore) ResourceChunks(ctx context.Context, id string, regions []string, fn func([]cloudscope.Resource) error) error {
	l, err := st.layout(ctx, id)
	if err != nil || l == nil {
		return err
	}
	if l.parts != "" {
		m, err := st.manifest(ctx, id, l.attempt, l.parts)
		if err != nil {
			return err
		}
		_, err = st.partResources(ctx, id, m, regions, fn)
		if errors.Is(err, cloudscope.ErrStop) {
			return nil
		}
		return err
	}
	base := "chunk#" + l.attempt + "#resources#"
	prefixes := []string{base}
	if len(regions) > 0 {
		prefixes = nil
		accounts := l.accounts
		if len(accounts) == 0 {
			accounts = []string{""}
		}
		for _, a := range accounts {
			for _, r := range slices.Sorted(slices.Values(regions)) {
				if a == "" {
					prefixes = append(prefixes, base+r+"#")
				} else {
					prefixes = append(prefixes, base+a+"#"+r+"#")
				}
			}
		}
	}
	err = st.queryChunks(ctx, id, prefixes, func(_ string, data []byte) error {
		var part []cloudscope.Resource
		if err := appendChunk(data, &part); err != nil {
			return fmt.Errorf("snapshot %s chunk: %w", id, err)
		}
		return fn(part)
	})
	if errors.Is(err, cloudscope.ErrStop) {
		return nil
	}
	return err
}

// queryChunks calls fn with the sort key and data of every item of
// snapshot id under each prefix in turn, page by page, until fn fails.
func (st *SnapshotStore) queryChunks(ctx context.Context, id string, prefixes []string, fn func(sk string, data []byte) error) error {
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
				sk, _ := item[SortKey].(*ddbtypes.AttributeValueMemberS)
				data, _ := item["data"].(*ddbtypes.AttributeValueMemberB)
				if sk == nil || data == nil {
					return fmt.Errorf("snapshot %s: an item under %s has no key or data", id, prefix)
				}
				if err := fn(sk.Value, data.Value); err != nil {
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

// Findings reads snapshot id's header, findings and undecided rules,
// without its resources (Resources is nil), or nil: one GetItem, then one
// Query per kind on its findings and undecided chunks' keys; no resource
// chunk or manifest is read.
func (st *SnapshotStore) Findings(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: snapKey(id, "header"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, awserr.Wrap(err, "dynamodb GetItem")
	}
	if out.Item == nil {
		return nil, nil
	}
	snap := &cloudscope.Snapshot{Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{}}
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
	st.remember(&snap.SnapshotHeader, out.Item)
	for _, kind := range []string{"findings", "insufficient"} {
		got := 0
		err := st.queryChunks(ctx, id, []string{"chunk#" + attempt.Value + "#" + kind + "#"}, func(sk string, data []byte) error {
			got++
			if kind == "findings" {
				return appendChunk(data, &snap.Findings)
			}
			return appendChunk(data, &snap.Insufficient)
		})
		if err != nil {
			return nil, fmt.Errorf("snapshot %s %s: %w", id, kind, err)
		}
		if got != want[kind] {
			return nil, fmt.Errorf("snapshot %s: %d of its %d %s chunks are stored", id, got, want[kind], kind)
		}
	}
	return snap, nil
}

// LatestFindings is Findings of the newest snapshot, or nil.
func (st *SnapshotStore) LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error) {
	hs, err := st.List(ctx, 1)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return st.Findings(ctx, hs[0].ID)
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

// statusKey is scan id's status item.
func statusKey(id string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr("scan#" + id), SortKey: stringAttr("status")}
}

// SetStatus stores a scan's status under pk "scan#<id>", sk "status", for
// StatusRetention (the table's TTL): an UpdateItem of its data, which
// leaves a sharded scan's counters (shards_total, shards_done,
// shards_failed: SetShardTotal and ShardDone) alone.
func (st *SnapshotStore) SetStatus(ctx context.Context, status cloudscope.ScanStatus) error {
	status.Shards = nil // the counters are the item's own attributes
	data, err := json.Marshal(status)
	if err != nil {
		return err
	}
	_, err = st.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(st.table), Key: statusKey(status.ID),
		UpdateExpression:         aws.String("SET #data = :data, #exp = :exp"),
		ExpressionAttributeNames: map[string]string{"#data": "data", "#exp": TTLAttribute},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":data": stringAttr(string(data)),
			":exp": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(st.now().Add(cloudscope.StatusRetention).Unix(), 10)}},
	})
	return awserr.Wrap(err, "dynamodb UpdateItem")
}

// Status reads scan id's status, or nil when there is none (or it expired:
// the TTL deletes within days, so the expiry is checked here too).
func (st *SnapshotStore) Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: statusKey(id), ConsistentRead: aws.Bool(true)})
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
	status.Shards = nil
	for name, dst := range map[string]func(*cloudscope.ShardProgress) *int{
		"shards_total": func(p *cloudscope.ShardProgress) *int { return &p.Total },
		"shards_done":  func(p *cloudscope.ShardProgress) *int { return &p.Done }, "shards_failed": func(p *cloudscope.ShardProgress) *int { return &p.Failed }} {
		n, ok := out.Item[name].(*ddbtypes.AttributeValueMemberN)
		if !ok {
			continue
		}
		if status.Shards == nil {
			status.Shards = &cloudscope.ShardProgress{}
		}
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			return nil, fmt.Errorf("scan %s status %s: %w", id, name, err)
		}
		*dst(status.Shards) = v
	}
	return &status, nil
}
