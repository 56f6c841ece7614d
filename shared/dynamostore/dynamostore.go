// Package dynamostore keeps cloudscope's state in its one DynamoDB table:
// the kv store (kv.go), and over it the snapshots, their index, statuses,
// lease and a sharded scan's parts (snapstore's logic, snapshots.go) and
// the cost and price caches (costcache.go), so that every function and
// every cold start share the history and the answers Cost Explorer billed
// for. Items are keyed by pk and sk, every pk "kv#<partition>". The
// expires_at attribute is the table's TTL, and reads check it too, since
// DynamoDB deletes expired items only eventually.
package dynamostore

import (
	"context"
	"fmt"
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

// IAMActions lists the table actions the cost cache calls (costcache.go).
var IAMActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"}

// API is the part of the DynamoDB client the stores here call to get and put an item.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
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

// batchWriter is the BatchWriteItem call the stores make.
type batchWriter interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// writeAll writes one batch of at most 25 requests to table, retrying
// what DynamoDB leaves unprocessed with a doubling backoff (from backoff),
// and fails loudly after 8 attempts rather than lose items.
func writeAll(ctx context.Context, client batchWriter, table string, batch []ddbtypes.WriteRequest, backoff time.Duration) error {
	req := map[string][]ddbtypes.WriteRequest{table: batch}
	for attempt := 0; len(req[table]) > 0; attempt++ {
		if attempt == 8 {
			return fmt.Errorf("dynamodb BatchWriteItem: %d items still unprocessed after %d attempts", len(req[table]), attempt)
		}
		if attempt > 0 {
			select {
			case <-time.After(backoff << (attempt - 1)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			return awserr.Wrap(err, "dynamodb BatchWriteItem")
		}
		req = out.UnprocessedItems
	}
	return nil
}
