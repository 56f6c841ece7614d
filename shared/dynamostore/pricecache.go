package dynamostore

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/cloudscope/cloudscope/shared/awserr"
)

// PriceCacheIAMActions are what the price cache calls.
var PriceCacheIAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// PriceCache is a pricing.PriceCache in the table: one item per product
// and region under partition key "price#<region>#<item>", expiring by the
// table's TTL (and by its own clock on reads, since TTL deletes late).
type PriceCache struct {
	client API
	table  string
	now    func() time.Time
}

// NewPriceCache returns the price cache in table.
func NewPriceCache(client API, table string, now func() time.Time) *PriceCache {
	if now == nil {
		now = time.Now
	}
	return &PriceCache{client: client, table: table, now: now}
}

func priceKey(key string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		PartitionKey: &ddbtypes.AttributeValueMemberS{Value: "price#" + key},
		SortKey:      &ddbtypes.AttributeValueMemberS{Value: "answer"},
	}
}

// Get returns the answer stored under key, unless it has expired.
func (c *PriceCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	out, err := c.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: priceKey(key)})
	if err != nil {
		return nil, false, awserr.Wrap(err, "dynamodb GetItem")
	}
	exp, ok := out.Item[TTLAttribute].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		return nil, false, nil
	}
	if secs, err := strconv.ParseInt(exp.Value, 10, 64); err != nil || !c.now().Before(time.Unix(secs, 0)) {
		return nil, false, nil
	}
	val, ok := out.Item["value"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return nil, false, nil
	}
	return []byte(val.Value), true, nil
}

// Put stores val under key for ttl.
func (c *PriceCache) Put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	item := priceKey(key)
	item["value"] = &ddbtypes.AttributeValueMemberS{Value: string(val)}
	item[TTLAttribute] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(c.now().Add(ttl).Unix(), 10)}
	if _, err := c.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(c.table), Item: item}); err != nil {
		return awserr.Wrap(err, "dynamodb PutItem")
	}
	return nil
}
