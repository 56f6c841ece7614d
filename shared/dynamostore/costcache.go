package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// CostCache is a costs.Cache in the table: one item per question under
// partition key "cost#<key>". Values are stored gzipped.
type CostCache struct{ answers }

// NewCostCache returns the cost cache in table.
func NewCostCache(client API, table string, now func() time.Time) *CostCache {
	return &CostCache{newAnswers(client, table, "cost#", now)}
}

// PriceCacheIAMActions are what the price cache calls.
var PriceCacheIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// PriceCache is a pricing.PriceCache in the table: one item per product
// and region under partition key "price#<region>#<item>".
type PriceCache struct{ answers }

// NewPriceCache returns the price cache in table.
func NewPriceCache(client API, table string, now func() time.Time) *PriceCache {
	return &PriceCache{newAnswers(client, table, "price#", now)}
}

// answers keeps answers by key for a while: gzipped under "<prefix><key>",
// expiring by the table's TTL, and by its own clock on reads, since TTL
// deletes late.
type answers struct {
	client API
	table  string
	prefix string
	now    func() time.Time
}

func newAnswers(client API, table, prefix string, now func() time.Time) answers {
	if now == nil {
		now = time.Now
	}
	return answers{client: client, table: table, prefix: prefix, now: now}
}

func (c answers) key(key string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		PartitionKey: &ddbtypes.AttributeValueMemberS{Value: c.prefix + key},
		SortKey:      &ddbtypes.AttributeValueMemberS{Value: "answer"},
	}
}

// Get returns the value stored under key, unless it has expired.
func (c answers) Get(ctx context.Context, key string) ([]byte, bool, error) {
	out, err := c.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: c.key(key), ConsistentRead: aws.Bool(false)})
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
	val, err := gzjson.Decompress(blob.Value)
	if err != nil {
		return nil, false, fmt.Errorf("cached answer %q: %w", c.prefix+key, err)
	}
	return val, true, nil
}

// Put stores val under key for ttl. A value too large for an item is not
// stored, and says so.
func (c answers) Put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	blob, err := gzjson.Compress(val)
	if err != nil {
		return err
	}
	if len(blob) > MaxValueBytes {
		return fmt.Errorf("answer for %q is %d bytes compressed, too large to cache (at most %d): choose a coarser granularity", c.prefix+key, len(blob), MaxValueBytes)
	}
	item := c.key(key)
	item["value"] = &ddbtypes.AttributeValueMemberB{Value: blob}
	item[TTLAttribute] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(c.now().Add(ttl).Unix(), 10)}
	if _, err := c.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(c.table), Item: item}); err != nil {
		return awserr.Wrap(err, "dynamodb PutItem")
	}
	return nil
}
