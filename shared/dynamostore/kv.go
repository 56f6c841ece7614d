package dynamostore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/gzjson"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// The kv.Store in the table keeps one item per kv item: pk "kv#<partition>"
// (the prefix keeps kv partitions apart from the table's other keys:
// "snapshot#<id>", "snapshots", "scan#<id>", "lease"), sk the sort key, the value in "v" (or gzipped in "vz"
// when that is smaller: records are small JSON, which gzip's 20-byte
// header often makes larger) and the expiry in expires_at, the table's TTL,
// in Unix seconds rounded up (an item expiring within a second is served
// until that second ends, never deleted early). Reads check the expiry
// too, since DynamoDB deletes expired items only eventually; IfAbsent is a
// ConditionExpression that holds for an expired item as for a missing one.

// KVPartitionPrefix is what every kv partition's pk starts with.
const KVPartitionPrefix = "kv#"

// KVIAMActions are what the kv store calls: Get, Put (conditional or not),
// PutBatch, Delete and Query.
var KVIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}

// Attribute names of a kv item's value: raw, or gzipped; and its digest
// (SHA-256, first 16 bytes), which Swap's condition compares.
const (
	kvValue   = "v"
	kvValueGz = "vz"
	kvDigest  = "h"
)

// digest is the value's digest attribute.
func digest(v []byte) *ddbtypes.AttributeValueMemberB {
	sum := sha256.Sum256(v)
	return &ddbtypes.AttributeValueMemberB{Value: sum[:16]}
}

// ifAbsent is IfAbsent's condition: no item, or an expired one (an item
// without expires_at never expires: the comparison is false for it).
const ifAbsent = "attribute_not_exists(pk) OR #exp <= :now"

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// KVAPI is the part of the DynamoDB client the kv store calls.
type KVAPI interface {
	API
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// KV is a kv.Store in the table.
type KV struct {
	client KVAPI
	table  string
	now    func() time.Time
	// backoff is the first wait before retrying unprocessed items; it doubles.
	backoff time.Duration
	// conditional serialises this process's conditional puts: across
	// processes DynamoDB's condition check is atomic, but the emulator the
	// tests use checks and writes without a lock (see SnapshotStore).
	conditional sync.Mutex
}

var _ kv.Store = (*KV)(nil)

// NewKV returns the kv store in table, reading now (nil: time.Now).
func NewKV(client KVAPI, table string, now func() time.Time) *KV {
	if now == nil {
		now = time.Now
	}
	return &KV{client: client, table: table, now: now, backoff: 50 * time.Millisecond}
}

func (s *KV) key(k kv.Key) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{PartitionKey: stringAttr(KVPartitionPrefix + k.Partition), SortKey: stringAttr(k.Sort)}
}

// expirySeconds is exp in Unix seconds, rounded up.
func expirySeconds(exp time.Time) int64 {
	secs := exp.Unix()
	if exp.After(time.Unix(secs, 0)) {
		secs++
	}
	return secs
}

// item is it as a table item, its value gzipped when that is smaller.
func (s *KV) item(it kv.Item) (map[string]ddbtypes.AttributeValue, error) {
	if len(it.Value) > kv.MaxValueBytes {
		return nil, fmt.Errorf("kv item %s %s is %d bytes: %w", it.Key.Partition, it.Key.Sort, len(it.Value), kv.ErrTooLarge)
	}
	item := s.key(it.Key)
	item[kvValue] = &ddbtypes.AttributeValueMemberB{Value: it.Value}
	item[kvDigest] = digest(it.Value)
	// Below 64 bytes gzip's header and trailer outweigh what it saves; a
	// value already gzipped (kv.Cache's) would not shrink again.
	if len(it.Value) > 64 && !bytes.HasPrefix(it.Value, gzipMagic) {
		z, err := gzjson.Compress(it.Value)
		if err != nil {
			return nil, err
		}
		if len(z) < len(it.Value) {
			delete(item, kvValue)
			item[kvValueGz] = &ddbtypes.AttributeValueMemberB{Value: z}
		}
	}
	if !it.Expires.IsZero() {
		item[TTLAttribute] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(expirySeconds(it.Expires), 10)}
	}
	return item, nil
}

// fromItem is the kv item a table item holds, and whether it is live at
// now (an expired one comes back with its key only).
func fromItem(item map[string]ddbtypes.AttributeValue, now time.Time) (kv.Item, bool, error) {
	pk, _ := item[PartitionKey].(*ddbtypes.AttributeValueMemberS)
	sk, _ := item[SortKey].(*ddbtypes.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return kv.Item{}, false, errors.New("kv item without its keys")
	}
	it := kv.Item{Key: kv.Key{Partition: strings.TrimPrefix(pk.Value, KVPartitionPrefix), Sort: sk.Value}}
	if exp, ok := item[TTLAttribute].(*ddbtypes.AttributeValueMemberN); ok {
		secs, err := strconv.ParseInt(exp.Value, 10, 64)
		if err != nil {
			return kv.Item{}, false, fmt.Errorf("kv item %s %s: expiry %q: %w", it.Key.Partition, it.Key.Sort, exp.Value, err)
		}
		it.Expires = time.Unix(secs, 0)
	}
	if !kv.Live(it.Expires, now) {
		return kv.Item{Key: it.Key}, false, nil
	}
	switch v := item[kvValue].(type) {
	case *ddbtypes.AttributeValueMemberB:
		it.Value = v.Value
		return it, true, nil
	}
	z, ok := item[kvValueGz].(*ddbtypes.AttributeValueMemberB)
	if !ok {
		return kv.Item{}, false, fmt.Errorf("kv item %s %s has no value", it.Key.Partition, it.Key.Sort)
	}
	val, err := gzjson.Decompress(z.Value)
	if err != nil {
		return kv.Item{}, false, fmt.Errorf("kv item %s %s: %w", it.Key.Partition, it.Key.Sort, err)
	}
	it.Value = val
	return it, true, nil
}

// Get returns the unexpired item under k (a consistent read: a record
// just written is read back).
func (s *KV) Get(ctx context.Context, k kv.Key) (kv.Item, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: s.key(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return kv.Item{}, false, awserr.Wrap(err, "dynamodb GetItem")
	}
	if out.Item == nil {
		return kv.Item{}, false, nil
	}
	it, live, err := fromItem(out.Item, s.now())
	if !live || err != nil {
		return kv.Item{}, false, err
	}
	return it, true, nil
}

// Put stores it under cond: IfAbsent is a PutItem on the condition that
// no item, or an expired one, is there.
func (s *KV) Put(ctx context.Context, it kv.Item, cond kv.Cond) error {
	item, err := s.item(it)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}
	if cond == kv.IfAbsent {
		s.conditional.Lock()
		defer s.conditional.Unlock()
		in.ConditionExpression = aws.String(ifAbsent)
		in.ExpressionAttributeNames = map[string]string{"#exp": TTLAttribute}
		// Expired when now >= expires_at; expires_at is whole seconds, so
		// the whole seconds of now decide alike.
		in.ExpressionAttributeValues = map[string]ddbtypes.AttributeValue{
			":now": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(s.now().Unix(), 10)}}
	}
	_, err = s.client.PutItem(ctx, in)
	var failed *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return kv.ErrConditionFailed
	}
	if err != nil {
		return awserr.Wrap(err, "dynamodb PutItem")
	}
	return nil
}

// Swap puts it on the condition that the live item under its key has
// old's digest (old nil: IfAbsent's condition).
func (s *KV) Swap(ctx context.Context, it kv.Item, old []byte) error {
	if old == nil {
		return s.Put(ctx, it, kv.IfAbsent)
	}
	item, err := s.item(it)
	if err != nil {
		return err
	}
	s.conditional.Lock()
	defer s.conditional.Unlock()
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item,
		ConditionExpression:      aws.String("#h = :h AND (attribute_not_exists(#exp) OR #exp > :now)"),
		ExpressionAttributeNames: map[string]string{"#h": kvDigest, "#exp": TTLAttribute},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":h": digest(old),
			":now": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(s.now().Unix(), 10)}}})
	var failed *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return kv.ErrConditionFailed
	}
	if err != nil {
		return awserr.Wrap(err, "dynamodb PutItem")
	}
	return nil
}

// PutBatch stores items 25 at a time (BatchWriteItem), retrying what
// DynamoDB leaves unprocessed with backoff, and fails loudly if it cannot
// finish. One batch may not name a key twice: a later item under a key
// already in the batch goes into the next one.
func (s *KV) PutBatch(ctx context.Context, items []kv.Item) error {
	var batch []ddbtypes.WriteRequest
	seen := map[kv.Key]bool{}
	flush := func() error {
		err := s.batchWrite(ctx, batch)
		batch, seen = batch[:0], map[kv.Key]bool{}
		return err
	}
	for _, it := range items {
		item, err := s.item(it)
		if err != nil {
			return err
		}
		if len(batch) == 25 || seen[it.Key] {
			if err := flush(); err != nil {
				return err
			}
		}
		seen[it.Key] = true
		batch = append(batch, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}

// batchWrite writes one batch, retrying its unprocessed items.
func (s *KV) batchWrite(ctx context.Context, batch []ddbtypes.WriteRequest) error {
	return writeAll(ctx, s.client, s.table, batch, s.backoff)
}

// Delete removes the item under k, if any.
func (s *KV) Delete(ctx context.Context, k kv.Key) error {
	if _, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: s.key(k)}); err != nil {
		return awserr.Wrap(err, "dynamodb DeleteItem")
	}
	return nil
}

// Query calls fn with the unexpired items of partition under prefix after
// after, in order, page by page as DynamoDB answers. A key condition has
// one condition on sk: begins_with(prefix) when after sorts before the
// prefix (every key with the prefix sorts after it then), else sk > after,
// ending at the first key without the prefix (the keys with a prefix are
// contiguous in sort order).
func (s *KV) Query(ctx context.Context, partition, prefix, after string, limit int, fn func(kv.Item) error) error {
	in := &dynamodb.QueryInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": stringAttr(KVPartitionPrefix + partition)}}
	switch {
	case after >= prefix && after != "":
		in.KeyConditionExpression = aws.String("pk = :pk AND sk > :after")
		in.ExpressionAttributeValues[":after"] = stringAttr(after)
	case prefix != "":
		in.KeyConditionExpression = aws.String("pk = :pk AND begins_with(sk, :prefix)")
		in.ExpressionAttributeValues[":prefix"] = stringAttr(prefix)
	default:
		in.KeyConditionExpression = aws.String("pk = :pk")
	}
	now := s.now()
	served := 0
	for {
		if limit > 0 {
			// Expired items count against a page's Limit too: ask for what
			// is left, and page on when some were expired.
			in.Limit = aws.Int32(int32(min(limit-served, math.MaxInt32)))
		}
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return awserr.Wrap(err, "dynamodb Query")
		}
		for _, item := range out.Items {
			it, live, err := fromItem(item, now)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(it.Key.Sort, prefix) {
				return nil // past the prefix (the sk > after case)
			}
			if !live {
				continue
			}
			if err := fn(it); err != nil {
				if errors.Is(err, kv.ErrStop) {
					return nil
				}
				return err
			}
			if served++; limit > 0 && served == limit {
				return nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// stringAttr is a string attribute value.
func stringAttr(v string) *ddbtypes.AttributeValueMemberS {
	return &ddbtypes.AttributeValueMemberS{Value: v}
}
