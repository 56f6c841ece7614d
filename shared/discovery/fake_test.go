package discovery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// fakeAccount is a synthetic account served through awsstub: n of each
// resource per enabled region, paged by the page size each request asks for.
type fakeAccount struct {
	enabled   []string
	disabled  []string // listed by DescribeRegions as not opted in
	perRegion struct {
		ec2, rds, lambda int
		// The waste types: volumes, snapshots, AMIs (each using the
		// snapshot of its number), Elastic IPs, NAT gateways, ELBv2 load
		// balancers (each with one target group, and one target group
		// serving none), classic load balancers and tables.
		volumes, snapshots, images, addresses, nats, lbs, classic, tables int
	}
	buckets map[string]string // name -> region
	// bucketRegionInList makes ListBuckets fill BucketRegion, as AWS does
	// when the request has a parameter; without it, GetBucketLocation must
	// be called, as for moto.
	bucketRegionInList bool
	// fail answers "region/Service.Operation" with an error.
	fail map[string]error
}

var launched = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func page(token *string, size int32, total int) (start, end int, next *string) {
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	if size <= 0 {
		size = 50
	}
	end = min(start+int(size), total)
	if end < total {
		next = aws.String(strconv.Itoa(end))
	}
	return start, end, next
}

func (a *fakeAccount) handle(_ context.Context, c awsstub.Call) (any, error) {
	if err := a.fail[c.Region+"/"+c.Service+"."+c.Operation]; err != nil {
		return nil, err
	}
	switch in := c.Input.(type) {
	case *ec2.DescribeRegionsInput:
		out := &ec2.DescribeRegionsOutput{}
		for _, r := range a.enabled {
			out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(r), OptInStatus: aws.String("opt-in-not-required")})
		}
		for _, r := range a.disabled {
			out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(r), OptInStatus: aws.String("not-opted-in")})
		}
		return out, nil
	case *ec2.DescribeInstancesInput:
		start, end, next := page(in.NextToken, aws.ToInt32(in.MaxResults), a.perRegion.ec2)
		out := &ec2.DescribeInstancesOutput{NextToken: next}
		for i := start; i < end; i++ {
			out.Reservations = append(out.Reservations, ec2types.Reservation{OwnerId: aws.String("111122223333"), Instances: []ec2types.Instance{{
				InstanceId:   aws.String(fmt.Sprintf("i-%s-%05d", c.Region, i)),
				InstanceType: ec2types.InstanceTypeT3Micro,
				State:        &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning},
				LaunchTime:   aws.Time(launched),
				Placement:    &ec2types.Placement{AvailabilityZone: aws.String(c.Region + "a")},
				Tags:         []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("web-%d", i))}},
			}}})
		}
		return out, nil
	case *rds.DescribeDBInstancesInput:
		start, end, next := page(in.Marker, aws.ToInt32(in.MaxRecords), a.perRegion.rds)
		out := &rds.DescribeDBInstancesOutput{Marker: next}
		for i := start; i < end; i++ {
			out.DBInstances = append(out.DBInstances, rdstypes.DBInstance{
				DBInstanceIdentifier: aws.String(fmt.Sprintf("db-%05d", i)),
				DBInstanceClass:      aws.String("db.t3.micro"),
				Engine:               aws.String("postgres"),
				DBInstanceStatus:     aws.String("available"),
				AllocatedStorage:     aws.Int32(20),
			})
		}
		return out, nil
	case *lambda.ListFunctionsInput:
		start, end, next := page(in.Marker, aws.ToInt32(in.MaxItems), a.perRegion.lambda)
		out := &lambda.ListFunctionsOutput{NextMarker: next}
		for i := start; i < end; i++ {
			out.Functions = append(out.Functions, lambdatypes.FunctionConfiguration{
				FunctionName:  aws.String(fmt.Sprintf("fn-%05d", i)),
				Runtime:       lambdatypes.RuntimeProvidedal2023,
				Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureArm64},
				MemorySize:    aws.Int32(128),
				Timeout:       aws.Int32(3),
				LastModified:  aws.String("2026-01-02T03:04:05.000+0000"),
			})
		}
		return out, nil
	case *s3.ListBucketsInput:
		out := &s3.ListBucketsOutput{}
		if n := len(a.buckets); in.MaxBuckets != nil && n > int(*in.MaxBuckets) {
			return nil, fmt.Errorf("fake account: %d buckets do not fit one page of %d", n, *in.MaxBuckets)
		}
		for name, region := range a.buckets {
			b := s3types.Bucket{Name: aws.String(name), CreationDate: aws.Time(launched)}
			if a.bucketRegionInList && in.MaxBuckets != nil {
				b.BucketRegion = aws.String(region)
			}
			out.Buckets = append(out.Buckets, b)
		}
		return out, nil
	case *s3.GetBucketLocationInput:
		region := a.buckets[aws.ToString(in.Bucket)]
		if region == "us-east-1" {
			region = "" // as S3 answers for us-east-1
		}
		return &s3.GetBucketLocationOutput{LocationConstraint: s3types.BucketLocationConstraint(region)}, nil
	}
	if out, ok := a.handleWaste(c); ok {
		return out, nil
	}
	return nil, fmt.Errorf("fake account: unexpected call %s.%s", c.Service, c.Operation)
}

// fakeOwner is the fake account's id.
const fakeOwner = "111122223333"

func lbArn(region string, i int) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/lb-%05d/0123456789abcdef", region, fakeOwner, i)
}

// handleWaste answers the waste types' calls: volume i is attached (as the
// root device when i%4 == 0) when i is even, gp2 when i%3 == 0; snapshot i
// comes from volume i; AMI i uses snapshot i; address i is associated when
// even; load balancer i's target group has two targets, one healthy when i
// is even; classic load balancer i has two instances, one in service, when
// even, none when odd; table i is provisioned (5 RCU, 5 WCU) when even, on
// demand when odd.
func (a *fakeAccount) handleWaste(c awsstub.Call) (any, bool) {
	r := c.Region
	switch in := c.Input.(type) {
	case *ec2.DescribeVolumesInput:
		start, end, next := page(in.NextToken, aws.ToInt32(in.MaxResults), a.perRegion.volumes)
		out := &ec2.DescribeVolumesOutput{NextToken: next}
		for i := start; i < end; i++ {
			v := ec2types.Volume{VolumeId: aws.String(fmt.Sprintf("vol-%s-%05d", r, i)), Size: aws.Int32(100), VolumeType: ec2types.VolumeTypeGp3,
				Iops: aws.Int32(3000), Throughput: aws.Int32(125), AvailabilityZone: aws.String(r + "a"), CreateTime: aws.Time(launched),
				State: ec2types.VolumeStateAvailable, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("disk-%d", i))}}}
			if i%3 == 0 {
				v.VolumeType = ec2types.VolumeTypeGp2
			}
			if i%2 == 0 {
				device := "/dev/sdf"
				if i%4 == 0 {
					device = "/dev/xvda"
				}
				v.State = ec2types.VolumeStateInUse
				v.Attachments = []ec2types.VolumeAttachment{{InstanceId: aws.String(fmt.Sprintf("i-%s-%05d", r, i)), Device: aws.String(device), State: ec2types.VolumeAttachmentStateAttached}}
			}
			out.Volumes = append(out.Volumes, v)
		}
		return out, true
	case *ec2.DescribeSnapshotsInput:
		if !slices.Equal(in.OwnerIds, []string{"self"}) {
			return nil, false
		}
		start, end, next := page(in.NextToken, aws.ToInt32(in.MaxResults), a.perRegion.snapshots)
		out := &ec2.DescribeSnapshotsOutput{NextToken: next}
		for i := start; i < end; i++ {
			out.Snapshots = append(out.Snapshots, ec2types.Snapshot{SnapshotId: aws.String(fmt.Sprintf("snap-%05d", i)), OwnerId: aws.String(fakeOwner),
				VolumeId: aws.String(fmt.Sprintf("vol-%s-%05d", r, i)), VolumeSize: aws.Int32(100), StartTime: aws.Time(launched),
				State: ec2types.SnapshotStateCompleted, StorageTier: ec2types.StorageTierStandard})
		}
		return out, true
	case *ec2.DescribeImagesInput:
		if !slices.Equal(in.Owners, []string{"self"}) {
			return nil, false
		}
		start, end, next := page(in.NextToken, aws.ToInt32(in.MaxResults), a.perRegion.images)
		out := &ec2.DescribeImagesOutput{NextToken: next}
		for i := start; i < end; i++ {
			out.Images = append(out.Images, ec2types.Image{ImageId: aws.String(fmt.Sprintf("ami-%05d", i)), OwnerId: aws.String(fakeOwner),
				BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String(fmt.Sprintf("snap-%05d", i))}}}})
		}
		return out, true
	case *ec2.DescribeAddressesInput:
		out := &ec2.DescribeAddressesOutput{}
		for i := range a.perRegion.addresses {
			ad := ec2types.Address{AllocationId: aws.String(fmt.Sprintf("eipalloc-%05d", i)), PublicIp: aws.String(fmt.Sprintf("198.51.100.%d", i)), Domain: ec2types.DomainTypeVpc}
			if i%2 == 0 {
				ad.AssociationId, ad.InstanceId = aws.String(fmt.Sprintf("eipassoc-%05d", i)), aws.String(fmt.Sprintf("i-%s-%05d", r, i))
			}
			out.Addresses = append(out.Addresses, ad)
		}
		return out, true
	case *ec2.DescribeNatGatewaysInput:
		start, end, next := page(in.NextToken, aws.ToInt32(in.MaxResults), a.perRegion.nats)
		out := &ec2.DescribeNatGatewaysOutput{NextToken: next}
		for i := start; i < end; i++ {
			out.NatGateways = append(out.NatGateways, ec2types.NatGateway{NatGatewayId: aws.String(fmt.Sprintf("nat-%05d", i)), State: ec2types.NatGatewayStateAvailable,
				VpcId: aws.String("vpc-1"), SubnetId: aws.String("subnet-1"), ConnectivityType: ec2types.ConnectivityTypePublic, CreateTime: aws.Time(launched),
				NatGatewayAddresses: []ec2types.NatGatewayAddress{{PublicIp: aws.String(fmt.Sprintf("203.0.113.%d", i))}}})
		}
		return out, true
	case *elbv2.DescribeLoadBalancersInput:
		start, end, next := page(in.Marker, aws.ToInt32(in.PageSize), a.perRegion.lbs)
		out := &elbv2.DescribeLoadBalancersOutput{NextMarker: next}
		for i := start; i < end; i++ {
			out.LoadBalancers = append(out.LoadBalancers, elbv2types.LoadBalancer{LoadBalancerArn: aws.String(lbArn(r, i)), LoadBalancerName: aws.String(fmt.Sprintf("lb-%05d", i)),
				Type: elbv2types.LoadBalancerTypeEnumApplication, Scheme: elbv2types.LoadBalancerSchemeEnumInternetFacing, CreatedTime: aws.Time(launched),
				State: &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumActive}, VpcId: aws.String("vpc-1")})
		}
		return out, true
	case *elbv2.DescribeTargetGroupsInput:
		// One group per load balancer, and one more that serves none.
		start, end, next := page(in.Marker, aws.ToInt32(in.PageSize), a.perRegion.lbs+1)
		out := &elbv2.DescribeTargetGroupsOutput{NextMarker: next}
		for i := start; i < end; i++ {
			tg := elbv2types.TargetGroup{TargetGroupArn: aws.String(fmt.Sprintf("tg-%05d", i))}
			if i < a.perRegion.lbs {
				tg.LoadBalancerArns = []string{lbArn(r, i)}
			}
			out.TargetGroups = append(out.TargetGroups, tg)
		}
		return out, true
	case *elbv2.DescribeTargetHealthInput:
		var i int
		fmt.Sscanf(aws.ToString(in.TargetGroupArn), "tg-%d", &i)
		if i >= a.perRegion.lbs {
			return nil, false // the group that serves no load balancer is not asked
		}
		state := elbv2types.TargetHealthStateEnumUnhealthy
		if i%2 == 0 {
			state = elbv2types.TargetHealthStateEnumHealthy
		}
		return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbv2types.TargetHealthDescription{
			{TargetHealth: &elbv2types.TargetHealth{State: state}}, {TargetHealth: &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnumUnhealthy}}}}, true
	case *elb.DescribeLoadBalancersInput:
		start, end, next := page(in.Marker, aws.ToInt32(in.PageSize), a.perRegion.classic)
		out := &elb.DescribeLoadBalancersOutput{NextMarker: next}
		for i := start; i < end; i++ {
			lb := elbtypes.LoadBalancerDescription{LoadBalancerName: aws.String(fmt.Sprintf("clb-%05d", i)), Scheme: aws.String("internet-facing"), CreatedTime: aws.Time(launched)}
			if i%2 == 0 {
				lb.Instances = []elbtypes.Instance{{InstanceId: aws.String("i-1")}, {InstanceId: aws.String("i-2")}}
			}
			out.LoadBalancerDescriptions = append(out.LoadBalancerDescriptions, lb)
		}
		return out, true
	case *elb.DescribeInstanceHealthInput:
		var i int
		fmt.Sscanf(aws.ToString(in.LoadBalancerName), "clb-%d", &i)
		if i%2 != 0 {
			return nil, false // a load balancer without instances is not asked
		}
		return &elb.DescribeInstanceHealthOutput{InstanceStates: []elbtypes.InstanceState{{State: aws.String("InService")}, {State: aws.String("OutOfService")}}}, true
	case *dynamodb.ListTablesInput:
		start := 0
		if name := aws.ToString(in.ExclusiveStartTableName); name != "" {
			fmt.Sscanf(name, "table-%d", &start)
			start++
		}
		size := int(aws.ToInt32(in.Limit))
		if size <= 0 {
			size = 100
		}
		end := min(start+size, a.perRegion.tables)
		out := &dynamodb.ListTablesOutput{}
		for i := start; i < end; i++ {
			out.TableNames = append(out.TableNames, fmt.Sprintf("table-%05d", i))
		}
		if end < a.perRegion.tables {
			out.LastEvaluatedTableName = aws.String(out.TableNames[len(out.TableNames)-1])
		}
		return out, true
	case *dynamodb.DescribeTableInput:
		var i int
		fmt.Sscanf(aws.ToString(in.TableName), "table-%d", &i)
		t := &dynamodbtypes.TableDescription{TableName: in.TableName, TableArn: aws.String(fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", r, fakeOwner, aws.ToString(in.TableName))),
			TableStatus: dynamodbtypes.TableStatusActive, ItemCount: aws.Int64(int64(i)), TableSizeBytes: aws.Int64(int64(1000 * i)), CreationDateTime: aws.Time(launched),
			ProvisionedThroughput: &dynamodbtypes.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(0), WriteCapacityUnits: aws.Int64(0)}}
		if i%2 == 0 {
			t.ProvisionedThroughput = &dynamodbtypes.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
		} else {
			t.BillingModeSummary = &dynamodbtypes.BillingModeSummary{BillingMode: dynamodbtypes.BillingModePayPerRequest}
		}
		return &dynamodb.DescribeTableOutput{Table: t}, true
	}
	return nil, false
}

// stubClients returns discovery clients whose calls go to h.
func stubClients(h awsstub.Handler) Clients { return ClientsFrom(awsstub.Clients(h)) }
