// Package dynamostore keeps cloudscope's state in its one DynamoDB table:
// today the cost cache, so that every function and every cold start share
// the answers Cost Explorer billed for. Items are keyed by pk and sk; the
// expires_at attribute is the table's TTL, and reads check it too, since
// DynamoDB deletes expired items only eventually.
package dynamostore

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
)

// Key attribute names, and the TTL attribute, of the table.
const (
	PartitionKey = "pk"
	SortKey      = "sk"
	TTLAttribute = "expires_at"
)

// MaxValueBytes keeps an item well under DynamoDB's 400 KB limit.
const MaxValueBytes = 350 * 1024

// IAMActions lists the table actions the cost cache calls.
var IAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// API is the part of the DynamoDB client the store calls.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// CostCache is a costs.Cache in the table. Values are stored gzipped.
type CostCache struct {
	client API
	table  string
	now    func() time.Time
}

// NewCostCache returns the cost cache in table.
func NewCostCache(client API, table string, now func() time.Time) *CostCache {
	if now == nil {
		now = time.Now
	}
	return &CostCache{client: client, table: table, now: now}
}

func costKey(key string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		PartitionKey: &ddbtypes.AttributeValueMemberS{Value: "cost#" + key},
		SortKey:      &ddbtypes.AttributeValueMemberS{Value: "answer"},
	}
}

// Get returns the value stored under key, unless it has expired.
func (c *CostCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	out, err := c.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: costKey(key), ConsistentRead: aws.Bool(false)})
	if err != nil {
		return nil, false, awserr.Wrap(err, "dynamodb GetItem")
	}
	if out.Item == nil {
		return nil, false, nil
	}
	exp, ok := out.Item[TTLAttribute].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		return nil, false, nil
	}
	if secs, err := strconv.ParseInt(exp.Value, 10, 64); err != nil || !c.now().Before(time.Unix(secs, 0)) {
		return nil, false, nil
	}
	blob, ok := out.Item["value"].(*ddbtypes.AttributeValueMemberB)
	if !ok {
		return nil, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob.Value))
	if err != nil {
		return nil, false, fmt.Errorf("cost cache entry %q: %w", key, err)
	}
	val, err := io.ReadAll(zr)
	if err != nil {
		return nil, false, fmt.Errorf("cost cache entry %q: %w", key, err)
	}
	return val, true, nil
}

// Put stores val under key for ttl. A value too large for an item is not
// stored, and says so.
func (c *CostCache) Put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(val); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if buf.Len() > MaxValueBytes {
		return fmt.Errorf("cost answer for %q is %d bytes compressed, too large to cache (at most %d): choose a coarser granularity", key, buf.Len(), MaxValueBytes)
	}
	item := costKey(key)
	item["value"] = &ddbtypes.AttributeValueMemberB{Value: buf.Bytes()}
	item[TTLAttribute] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(c.now().Add(ttl).Unix(), 10)}
	if _, err := c.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(c.table), Item: item}); err != nil {
		return awserr.Wrap(err, "dynamodb PutItem")
	}
	return nil
}

// CreateTable creates the table as the infrastructure defines it: string
// keys pk and sk, on-demand billing. For tests and local use against an
// emulator; deployed, the CDK app owns the table (with its TTL on expires_at).
func CreateTable(ctx context.Context, client interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
}, name string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String(PartitionKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(SortKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(PartitionKey), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(SortKey), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	if err != nil {
		return awserr.Wrap(err, "dynamodb CreateTable")
	}
	return nil
}
