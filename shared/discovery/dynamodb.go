package discovery

import (
	"cmp"
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// DynamoDB tables.
var dynamodbType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 9, Name: "dynamodb", Label: "DynamoDB table", Plural: "DynamoDB tables", Summary: "DynamoDB tables",
		CostService: "Amazon DynamoDB",
		ID:          resourcetypes.IDShape{Pattern: `^[a-zA-Z0-9_.-]{3,255}$`, What: "a table name (3 to 255 letters, digits, _ . -)"},
		// Consumed capacity is published every minute (provisioned every 5).
		Floor: 60,
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/DynamoDB", Name: "ConsumedReadCapacityUnits", Dimension: "TableName", Stats: []string{"Sum"}, Unit: "Count",
				Why: "read capacity used: against the provisioned capacity, how much of it is paid for and unused"},
			{Namespace: "AWS/DynamoDB", Name: "ConsumedWriteCapacityUnits", Dimension: "TableName", Stats: []string{"Sum"}, Unit: "Count",
				Why: "write capacity used"},
			{Namespace: "AWS/DynamoDB", Name: "ProvisionedReadCapacityUnits", Dimension: "TableName", Stats: []string{"Average"}, Unit: "Count",
				Why: "read capacity provisioned (per second)"},
			{Namespace: "AWS/DynamoDB", Name: "ProvisionedWriteCapacityUnits", Dimension: "TableName", Stats: []string{"Average"}, Unit: "Count",
				Why: "write capacity provisioned (per second)"},
			{Namespace: "AWS/DynamoDB", Name: "ThrottledRequests", Dimension: "TableName", Stats: []string{"Sum"}, Unit: "Count",
				Why: "requests refused for exceeding capacity (AWS publishes it per operation too)"},
		},
	},
	List:       (*Discoverer).listTables,
	IAMActions: []string{"dynamodb:ListTables", "dynamodb:DescribeTable"},
	// A provisioned table's use against what it pays for; an on-demand
	// table pays for what it uses.
	Measured: func(r cloudscope.Resource) bool { return r.Table != nil && r.Table.BillingMode == "PROVISIONED" },
})

// listTables lists the DynamoDB tables and describes each as its page
// arrives: ListTables gives only names, and DynamoDB has no batch describe.
// Tags are left out: ListTagsOfResource would be one more call per table.
func (s *Discoverer) listTables(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	client := s.clients.DynamoDB(region)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var out []cloudscope.Resource
	var describeErr, listErr error
	pages := dynamodb.NewListTablesPaginator(client, &dynamodb.ListTablesInput{Limit: aws.Int32(s.opts.DynamoDBPageSize)})
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*dynamodb.ListTablesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			listErr = awserr.Wrap(err, "ListTables")
			break
		}
		for _, name := range page.TableNames {
			wg.Go(func() {
				res, err := call(ctx, run, func(ctx context.Context) (*dynamodb.DescribeTableOutput, error) {
					return client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if describeErr == nil {
						describeErr = awserr.Wrap(err, "DescribeTable")
					}
					return
				}
				out = append(out, tableResource(region, res.Table, run))
			})
		}
	}
	wg.Wait()
	return out, cmp.Or(listErr, describeErr)
}

func tableResource(region string, t *dynamodbtypes.TableDescription, run *runner) cloudscope.Resource {
	name := aws.ToString(t.TableName)
	d := &cloudscope.TableDetails{
		BillingMode: "PROVISIONED", // what a table without a billing mode summary is
		ItemCount:   aws.ToInt64(t.ItemCount),
		SizeBytes:   aws.ToInt64(t.TableSizeBytes),
		TableClass:  "STANDARD", // likewise without a table class summary
	}
	if t.BillingModeSummary != nil && t.BillingModeSummary.BillingMode != "" {
		d.BillingMode = string(t.BillingModeSummary.BillingMode)
	}
	if t.TableClassSummary != nil && t.TableClassSummary.TableClass != "" {
		d.TableClass = string(t.TableClassSummary.TableClass)
	}
	if p := t.ProvisionedThroughput; p != nil && d.BillingMode == "PROVISIONED" {
		d.ReadCapacityUnits, d.WriteCapacityUnits = aws.ToInt64(p.ReadCapacityUnits), aws.ToInt64(p.WriteCapacityUnits)
		for _, gsi := range t.GlobalSecondaryIndexes {
			if p := gsi.ProvisionedThroughput; p != nil {
				d.IndexReadCapacityUnits += aws.ToInt64(p.ReadCapacityUnits)
				d.IndexWriteCapacityUnits += aws.ToInt64(p.WriteCapacityUnits)
			}
		}
	}
	arn := aws.ToString(t.TableArn)
	run.sawAccount(accountOf(arn))
	return cloudscope.Resource{
		Type:      cloudscope.Table,
		ID:        name,
		Name:      name,
		Region:    region,
		ARN:       arn,
		State:     string(t.TableStatus),
		CreatedAt: t.CreationDateTime,
		Table:     d,
	}
}
