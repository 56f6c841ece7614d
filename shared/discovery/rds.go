package discovery

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// RDS database instances.
var rdsType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 1, Name: "rds", Label: "RDS database", Plural: "RDS databases", Summary: "RDS databases",
		CostService: "Amazon Relational Database Service",
		ID:          resourcetypes.IDShape{Pattern: `^[a-zA-Z][a-zA-Z0-9-]{0,62}$`, What: "a DB instance identifier (a letter, then letters, digits and hyphens)"},
		States:      []string{"available"},
		Floor:       60,
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/RDS", Name: "CPUUtilization", Dimension: "DBInstanceIdentifier", Stats: []string{"Average", "Maximum"}, Unit: "Percent", RuleStats: []string{"p99"},
				Why: "database processor load (its p99 is what rightsizing projects)"},
			{Namespace: "AWS/RDS", Name: "DatabaseConnections", Dimension: "DBInstanceIdentifier", Stats: []string{"Average", "Maximum"}, Unit: "Count",
				Why: "client connections: none for days means an idle database"},
			{Namespace: "AWS/RDS", Name: "FreeStorageSpace", Dimension: "DBInstanceIdentifier", Stats: []string{"Minimum"}, Unit: "Bytes",
				Why: "storage left: running out stops writes"},
			{Namespace: "AWS/RDS", Name: "FreeableMemory", Dimension: "DBInstanceIdentifier", Stats: []string{"Minimum"}, Unit: "Bytes",
				Why: "memory left: low values mean swapping and slow queries"},
			{Namespace: "AWS/RDS", Name: "ReadLatency", Dimension: "DBInstanceIdentifier", Stats: []string{"Average"}, Unit: "Seconds",
				Why: "time per disk read"},
			{Namespace: "AWS/RDS", Name: "WriteLatency", Dimension: "DBInstanceIdentifier", Stats: []string{"Average"}, Unit: "Seconds",
				Why: "time per disk write"},
		},
	},
	List:       (*Discoverer).listDatabases,
	IAMActions: []string{"rds:DescribeDBInstances"},
	Measured:   func(r cloudscope.Resource) bool { return r.State == "available" },
})

func (s *Discoverer) listDatabases(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := rds.NewDescribeDBInstancesPaginator(s.clients.RDS(region), &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(s.opts.RDSPageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*rds.DescribeDBInstancesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeDBInstances")
		}
		out = slices.Grow(out, len(page.DBInstances))
		for _, db := range page.DBInstances {
			var tags map[string]string
			if len(db.TagList) > 0 {
				tags = make(map[string]string, len(db.TagList))
				for _, t := range db.TagList {
					tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
			}
			out = append(out, cloudscope.Resource{
				Type:      cloudscope.RDS,
				ID:        aws.ToString(db.DBInstanceIdentifier),
				Name:      tags["Name"],
				Region:    region,
				ARN:       aws.ToString(db.DBInstanceArn),
				State:     aws.ToString(db.DBInstanceStatus),
				CreatedAt: db.InstanceCreateTime,
				Tags:      tags,
				RDS: &cloudscope.RDSDetails{
					InstanceClass:      aws.ToString(db.DBInstanceClass),
					Engine:             aws.ToString(db.Engine),
					EngineVersion:      aws.ToString(db.EngineVersion),
					AllocatedStorageGB: aws.ToInt32(db.AllocatedStorage),
					StorageType:        aws.ToString(db.StorageType),
					MultiAZ:            aws.ToBool(db.MultiAZ),
					LicenseModel:       aws.ToString(db.LicenseModel),
					AvailabilityZone:   aws.ToString(db.AvailabilityZone),
				},
			})
		}
	}
	return out, nil
}
