package discovery

import (
	"context"
	"fmt"
	"testing"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbv2client"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// TestMotoReadsEveryPageOfTheWasteTypes lists more of each waste type than
// a page holds. The emulator pages load balancers (both APIs) and tables;
// it answers DescribeVolumes, DescribeSnapshots, DescribeImages and
// DescribeNatGateways in one page whatever MaxResults says (the stub
// account's tests page those).
func TestMotoReadsEveryPageOfTheWasteTypes(t *testing.T) {
	clients := motoClients(t, awsconf.Options{})
	ctx := context.Background()
	const region = "us-east-1"
	client := ec2client.In(clients, region)
	const n = 7
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	var subnets []string
	for i, zone := range []string{"a", "b"} {
		sub, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.1.%d.0/24", i)),
			AvailabilityZone: aws.String(region + zone)})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(sub.Subnet.SubnetId))
	}
	for i := range n {
		vol, err := client.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(region + "a"), Size: aws.Int32(10), VolumeType: ec2types.VolumeTypeGp3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc}); err != nil {
			t.Fatal(err)
		}
		eip, err := client.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnets[0]), AllocationId: eip.AllocationId}); err != nil {
			t.Fatal(err)
		}
		if _, err := elbv2client.In(clients, region).CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(fmt.Sprintf("alb-%d", i)), Subnets: subnets}); err != nil {
			t.Fatal(err)
		}
		if _, err := elbclient.In(clients, region).CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{LoadBalancerName: aws.String(fmt.Sprintf("clb-%d", i)), Subnets: subnets,
			Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(80)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := dynamodbclient.In(clients, region).CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(fmt.Sprintf("table-%d", i)),
			AttributeDefinitions: []dynamodbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dynamodbtypes.ScalarAttributeTypeS}},
			KeySchema:            []dynamodbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dynamodbtypes.KeyTypeHash}},
			BillingMode:          dynamodbtypes.BillingModePayPerRequest}); err != nil {
			t.Fatal(err)
		}
	}

	var calls awsstub.Counter
	counted := awsconf.NewClients(moto.Config(t, region, awsconf.Options{APIOptions: []func(*middleware.Stack) error{awsstub.Observe(calls.Add)}}))
	s := New(ClientsFrom(counted), resourcequery.Options{VolumePageSize: 5, SnapshotPageSize: 5, ImagePageSize: 5, NATPageSize: 5, ELBPageSize: 3, DynamoDBPageSize: 3})
	inv, err := s.Discover(ctx, resourcequery.Query{Regions: []string{region}, Types: wasteTypes})
	if err != nil || len(inv.Errors) > 0 {
		t.Fatalf("%v %v", err, inv.Errors)
	}
	got := countByType(inv)
	want := map[cloudscope.ResourceType]int{cloudscope.Volume: n, cloudscope.VolumeBackup: n, cloudscope.Address: 2 * n, cloudscope.NATGateway: n,
		cloudscope.LoadBalancer: 2 * n, cloudscope.Table: n}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources\n got %v\nwant %v", got, want)
	}
	// ceil(7/3) pages of each API that the emulator pages; a last empty page
	// may follow a full one.
	for _, op := range []string{"Elastic Load Balancing v2.DescribeLoadBalancers", "Elastic Load Balancing.DescribeLoadBalancers", "DynamoDB.ListTables"} {
		if c := calls.Count(op); c < 3 || c > 4 {
			t.Errorf("%s: %d calls, want 3 pages (or 4)", op, c)
		}
	}
	if c := calls.Count("DynamoDB.DescribeTable"); c != n {
		t.Errorf("%d DescribeTable calls, want one per table", c)
	}
	if int(inv.Calls) != calls.Total() {
		t.Errorf("inventory counts %d calls, the wire saw %d", inv.Calls, calls.Total())
	}
}

// TestMotoOneWasteTypeFailingIsPartial denies the load balancer API in one
// region: that region's load balancers are reported, everything else listed.
func TestMotoOneWasteTypeFailingIsPartial(t *testing.T) {
	denied := awsstub.APIError("AccessDenied", "User is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers")
	clients := motoClients(t, awsconf.Options{APIOptions: []func(*middleware.Stack) error{
		awsstub.Fail(func(c awsstub.Call) bool { return c.Region == "us-east-1" && c.Service == "Elastic Load Balancing v2" }, denied),
	}})
	seeded := seedDemo(t, awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{})))
	inv, err := New(ClientsFrom(clients), resourcequery.Options{}).Discover(context.Background(), resourcequery.Query{Regions: demo.Regions, Types: wasteTypes})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Region != "us-east-1" || inv.Errors[0].Service != "elb" || inv.Errors[0].Code != "upstream_access_denied" {
		t.Fatalf("errors %v, want us-east-1's load balancers denied", inv.Errors)
	}
	want := map[string]int{}
	for _, ref := range seeded.Waste {
		if ref.Region != "us-east-1" || ref.Type != cloudscope.LoadBalancer {
			want[ref.Region+"/"+string(ref.Type)]++
		}
	}
	got := map[string]int{}
	for _, r := range inv.Resources {
		got[r.Region+"/"+string(r.Type)]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources\n got %v\nwant %v", got, want)
	}
}
