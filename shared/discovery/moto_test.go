package discovery

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// moto is the emulator the integration tests in this package share.
var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func motoClients(t *testing.T, opts awsconf.Options) *awsconf.Clients {
	moto.Reset(t)
	return awsconf.NewClients(moto.Config(t, "us-east-1", opts))
}

func seedDemo(t *testing.T, clients *awsconf.Clients) *demo.Seeded {
	t.Helper()
	seeded, err := demo.Seed(context.Background(), clients, demo.Default, t.Logf)
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	return seeded
}

func TestMotoDiscoversTheDemoAccount(t *testing.T) {
	clients := motoClients(t, awsconf.Options{})
	seeded := seedDemo(t, clients)
	s := New(ClientsFrom(clients), resourcequery.Options{})

	inv, err := s.Discover(context.Background(), resourcequery.Query{Regions: demo.Regions})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	got := map[string]cloudscope.Resource{}
	for _, r := range inv.Resources {
		got[string(r.Type)+"/"+r.Region+"/"+r.ID] = r
	}
	want := 0
	for _, in := range demo.Default.Instances {
		want++
		r, ok := got["ec2/"+in.Region+"/"+seeded.InstanceIDs[in.Name]]
		state := "running"
		if in.Stopped {
			state = "stopped"
		}
		if !ok || r.Name != in.Name || r.State != state || r.EC2.InstanceType != in.Type || r.Tags["team"] != in.Tags["team"] ||
			r.CreatedAt == nil || r.EC2.AvailabilityZone == "" || r.ARN != fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", in.Region, mototest.AccountID, r.ID) {
			t.Errorf("instance %s: got %+v %+v", in.Name, r, r.EC2)
		}
	}
	for _, db := range demo.Default.Databases {
		want++
		r, ok := got["rds/"+db.Region+"/"+db.ID]
		if !ok || r.State != "available" || r.RDS.InstanceClass != db.Class || r.RDS.Engine != db.Engine ||
			r.RDS.AllocatedStorageGB != db.StorageGB || r.RDS.EngineVersion == "" || r.Tags["env"] != "prod" {
			t.Errorf("database %s: got %+v %+v", db.ID, r, r.RDS)
		}
	}
	for _, b := range demo.Default.Buckets {
		want++
		r, ok := got["s3/"+b.Region+"/"+b.Name]
		if !ok || r.CreatedAt == nil || r.ARN != "arn:aws:s3:::"+b.Name {
			t.Errorf("bucket %s: got %+v", b.Name, r)
		}
	}
	for _, fn := range demo.Default.Functions {
		want++
		r, ok := got["lambda/"+fn.Region+"/"+fn.Name]
		if !ok || r.Lambda.Runtime != fn.Runtime || r.Lambda.MemoryMB != fn.MemoryMB || r.Lambda.TimeoutSeconds != fn.TimeoutSeconds ||
			!slices.Equal(r.Lambda.Architectures, []string{fn.Arch}) || r.Lambda.LastModified == nil {
			t.Errorf("function %s: got %+v %+v", fn.Name, r, r.Lambda)
		}
	}
	for _, ref := range seeded.Waste {
		want++
		key := string(ref.Type) + "/" + ref.Region + "/" + ref.ID
		if r, ok := got[key]; !ok || r.Name != ref.Name {
			t.Errorf("%s (%s): got %+v", key, ref.Name, r)
		}
	}
	if len(inv.Resources) != want {
		t.Errorf("%d resources, want exactly %d", len(inv.Resources), want)
	}
	checkWaste(t, inv.Resources)

	// One region and one type: exactly that slice of the account.
	inv, err = s.Discover(context.Background(), resourcequery.Query{Regions: []string{"eu-west-1"}, Types: []cloudscope.ResourceType{cloudscope.EC2, cloudscope.S3}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range inv.Resources {
		ids = append(ids, string(r.Type)+":"+r.Name)
	}
	slices.Sort(ids)
	if fmt.Sprint(ids) != "[ec2:api-eu ec2:legacy-reporting s3:cloudscope-demo-invoices-eu]" {
		t.Errorf("eu-west-1 ec2+s3: %v", ids)
	}
}

func TestMotoReadsEveryPage(t *testing.T) {
	clients := motoClients(t, awsconf.Options{})
	// 125 instances in 25 reservations; moto pages DescribeInstances by
	// reservation, so a page size of 5 needs 5 pages.
	client := ec2client.In(clients, "us-east-1")
	for i := range 25 {
		_, err := client.RunInstances(context.Background(), &ec2.RunInstancesInput{
			ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Nano,
			MinCount: aws.Int32(5), MaxCount: aws.Int32(5),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("batch"), Value: aws.String(fmt.Sprint(i))}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var calls awsstub.Counter
	counted := awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{
		APIOptions: []func(*middleware.Stack) error{awsstub.Observe(calls.Add)},
	}))
	s := New(ClientsFrom(counted), resourcequery.Options{EC2PageSize: 5})
	inv, err := s.Discover(context.Background(), resourcequery.Query{Regions: []string{"us-east-1"}, Types: []cloudscope.ResourceType{cloudscope.EC2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Resources) != 125 {
		t.Fatalf("%d instances, want 125", len(inv.Resources))
	}
	seen := map[string]bool{}
	for _, r := range inv.Resources {
		if seen[r.ID] {
			t.Fatalf("instance %s listed twice", r.ID)
		}
		seen[r.ID] = true
	}
	// 5 full pages; moto returns a token after the last full one, so a sixth, empty page may follow.
	if n := calls.Count("EC2.DescribeInstances"); n < 5 || n > 6 {
		t.Errorf("%d DescribeInstances calls, want 5 or 6 pages", n)
	}
	if int(inv.Calls) != calls.Total() {
		t.Errorf("inventory counts %d calls, the wire saw %d", inv.Calls, calls.Total())
	}
}

func TestMotoOneFailingRegionLeavesTheRest(t *testing.T) {
	denied := awsstub.APIError("UnauthorizedOperation", "You are not authorized to perform this operation.")
	clients := motoClients(t, awsconf.Options{APIOptions: []func(*middleware.Stack) error{
		awsstub.Fail(func(c awsstub.Call) bool { return c.Region == "eu-west-1" && c.Service != "S3" }, denied),
	}})
	seedClients := awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{}))
	seeded := seedDemo(t, seedClients)

	inv, err := New(ClientsFrom(clients), resourcequery.Options{}).Discover(context.Background(), resourcequery.Query{Regions: demo.Regions})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range inv.Errors {
		failed = append(failed, f.Region+"/"+f.Service+"/"+f.Code)
	}
	if fmt.Sprint(failed) != "[eu-west-1/dynamodb/upstream_access_denied eu-west-1/ebs/upstream_access_denied eu-west-1/ebs-snapshot/upstream_access_denied "+
		"eu-west-1/ec2/upstream_access_denied eu-west-1/eip/upstream_access_denied eu-west-1/elb/upstream_access_denied eu-west-1/lambda/upstream_access_denied "+
		"eu-west-1/nat/upstream_access_denied eu-west-1/rds/upstream_access_denied]" {
		t.Errorf("errors: %v", inv.Errors)
	}
	byRegion := map[string]int{}
	for _, r := range inv.Resources {
		byRegion[r.Region+"/"+string(r.Type)]++
	}
	want := map[string]int{"us-east-1/ec2": 4, "us-east-1/rds": 1, "us-east-1/s3": 1, "us-east-1/lambda": 2,
		"ap-southeast-2/ec2": 2, "ap-southeast-2/rds": 1, "ap-southeast-2/s3": 1, "eu-west-1/s3": 1}
	for _, ref := range seeded.Waste {
		if ref.Region != "eu-west-1" {
			want[ref.Region+"/"+string(ref.Type)]++
		}
	}
	if fmt.Sprint(byRegion) != fmt.Sprint(want) {
		t.Errorf("resources by region\n got %v\nwant %v", byRegion, want)
	}
}

func TestMotoThrottledPastRetriesIsPartial(t *testing.T) {
	var attempts atomic.Int32
	throttled := awsstub.APIError("RequestLimitExceeded", "Request limit exceeded.")
	clients := motoClients(t, awsconf.Options{MaxAttempts: 3, MaxBackoff: 5 * time.Millisecond, APIOptions: []func(*middleware.Stack) error{
		awsstub.FailEveryAttempt(func(c awsstub.Call) bool { return c.Region == "ap-southeast-2" && c.Operation == "DescribeInstances" }, throttled, &attempts),
	}})
	seedDemo(t, awsconf.NewClients(moto.Config(t, "us-east-1", awsconf.Options{})))
	inv, err := New(ClientsFrom(clients), resourcequery.Options{RetryPause: time.Millisecond}).Discover(context.Background(), resourcequery.Query{Regions: demo.Regions, Types: []cloudscope.ResourceType{cloudscope.EC2}})
	if err != nil {
		t.Fatal(err)
	}
	if n := attempts.Load(); n != 6 {
		t.Errorf("%d attempts, want the 3 the retryer allows in each of the two passes", n)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Region != "ap-southeast-2" || inv.Errors[0].Code != "upstream_throttled" {
		t.Errorf("errors %v", inv.Errors)
	}
	if len(inv.Resources) != 6 {
		t.Errorf("%d instances, want the 6 outside ap-southeast-2", len(inv.Resources))
	}
}

// checkWaste holds the demo's waste cases to what discovery must say of them.
func checkWaste(t *testing.T, rs []cloudscope.Resource) {
	t.Helper()
	byName := map[string]cloudscope.Resource{}
	for _, r := range rs {
		if r.Name != "" {
			byName[string(r.Type)+"/"+r.Name] = r
		}
	}
	arn := "arn:aws:ec2:us-east-1:" + mototest.AccountID + ":"
	for name, ok := range map[string]func(r cloudscope.Resource) bool{
		"ebs/orphaned-data": func(r cloudscope.Resource) bool {
			return r.State == "available" && r.Volume.VolumeType == "gp2" && r.Volume.SizeGB == 500 && len(r.Volume.AttachedTo) == 0 &&
				r.ARN == arn+"volume/"+r.ID
		},
		"ebs/web-1-data": func(r cloudscope.Resource) bool {
			return r.State == "in-use" && r.Volume.VolumeType == "gp3" && len(r.Volume.AttachedTo) == 1 && !r.Volume.Boot
		},
		"ebs/api-eu-data": func(r cloudscope.Resource) bool { return r.Volume.VolumeType == "gp2" && len(r.Volume.AttachedTo) == 1 },
		"ebs-snapshot/pre-migration-backup": func(r cloudscope.Resource) bool {
			b := r.VolumeBackup
			return b.VolumeExists != nil && !*b.VolumeExists && len(b.Images) == 0 && r.CreatedAt != nil && r.ARN == arn+"snapshot/"+r.ID
		},
		"ebs-snapshot/web-golden": func(r cloudscope.Resource) bool { return len(r.VolumeBackup.Images) == 1 },
		"eip/old-vpn-ip": func(r cloudscope.Resource) bool {
			return r.State == "unassociated" && r.Address.PublicIP != "" && r.ARN == arn+"elastic-ip/"+r.ID
		},
		"eip/web-1-ip":       func(r cloudscope.Resource) bool { return r.State == "associated" && r.Address.InstanceID != "" },
		"eip/nat-staging-ip": func(r cloudscope.Resource) bool { return r.State == "associated" },
		"nat/nat-staging": func(r cloudscope.Resource) bool {
			return r.State == "available" && len(r.NATGateway.PublicIPs) == 1 && r.ARN == arn+"natgateway/"+r.ID
		},
		"nat/nat-prod": func(r cloudscope.Resource) bool { return r.NATGateway.VpcID != "" },
		"elb/staging-alb": func(r cloudscope.Resource) bool {
			return r.LoadBalancer.Kind == "application" && r.LoadBalancer.Targets == 0 && r.LoadBalancer.HealthyTargets == 0
		},
		"elb/shop-alb": func(r cloudscope.Resource) bool {
			return r.LoadBalancer.Targets == 2 && r.LoadBalancer.HealthyTargets == 2 && strings.HasPrefix(r.ID, "app/shop-alb/")
		},
		"elb/legacy-clb": func(r cloudscope.Resource) bool {
			return r.LoadBalancer.Kind == "classic" && r.LoadBalancer.Targets == 1 && r.LoadBalancer.HealthyTargets == 1
		},
		"dynamodb/legacy-sessions": func(r cloudscope.Resource) bool {
			return r.Table.BillingMode == "PROVISIONED" && r.Table.ReadCapacityUnits == 100 && r.Table.WriteCapacityUnits == 100 && r.State == "ACTIVE"
		},
		"dynamodb/orders": func(r cloudscope.Resource) bool {
			return r.Table.BillingMode == "PAY_PER_REQUEST" && r.Table.ReadCapacityUnits == 0
		},
	} {
		r, found := byName[name]
		if !found {
			t.Errorf("%s not discovered", name)
			continue
		}
		if !ok(r) {
			t.Errorf("%s: %+v %+v %+v %+v %+v %+v %+v", name, r, r.Volume, r.VolumeBackup, r.Address, r.NATGateway, r.LoadBalancer, r.Table)
		}
	}
}
