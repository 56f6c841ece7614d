package discovery

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// wasteTypes are the types the waste rules judge.
var wasteTypes = []cloudscope.ResourceType{cloudscope.Volume, cloudscope.VolumeBackup, cloudscope.Address,
	cloudscope.NATGateway, cloudscope.LoadBalancer, cloudscope.Table}

func wasteFake() *fakeAccount {
	a := newFake()
	a.perRegion.volumes, a.perRegion.snapshots, a.perRegion.images = 12, 12, 7
	a.perRegion.addresses, a.perRegion.nats = 4, 11
	a.perRegion.lbs, a.perRegion.classic, a.perRegion.tables = 9, 9, 250
	return a
}

func TestDiscoverReadsEveryPageOfTheWasteTypes(t *testing.T) {
	acct := wasteFake()
	var calls awsstub.Counter
	s := New(stubClients(calls.Wrap(acct.handle)), resourcequery.Options{VolumePageSize: 5, SnapshotPageSize: 5, ImagePageSize: 3,
		NATPageSize: 5, ELBPageSize: 4, DynamoDBPageSize: 100})
	inv, err := s.Discover(context.Background(), resourcequery.Query{Types: wasteTypes})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	got := countByType(inv)
	want := map[cloudscope.ResourceType]int{cloudscope.Volume: 36, cloudscope.VolumeBackup: 36, cloudscope.Address: 12,
		cloudscope.NATGateway: 33, cloudscope.LoadBalancer: 54, cloudscope.Table: 750}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources\n got %v\nwant %v", got, want)
	}
	seen := map[string]bool{}
	for _, r := range inv.Resources {
		key := string(r.Type) + "/" + r.Region + "/" + r.ID
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
	}
	// Per region: ceil(12/5) volume and snapshot pages, ceil(7/3) AMI pages,
	// one address call, ceil(11/5) NAT pages, ceil(9/4) load balancer pages
	// of each API, ceil(10/4) target group pages, a health call per target
	// group serving a load balancer (9) and per classic load balancer with
	// instances (5), ceil(250/100) table pages and a DescribeTable per table.
	perRegion := map[string]int{
		"EC2.DescribeVolumes": 3, "EC2.DescribeSnapshots": 3, "EC2.DescribeImages": 3, "EC2.DescribeAddresses": 1, "EC2.DescribeNatGateways": 3,
		"Elastic Load Balancing v2.DescribeLoadBalancers": 3, "Elastic Load Balancing v2.DescribeTargetGroups": 3,
		"Elastic Load Balancing v2.DescribeTargetHealth": 9, "Elastic Load Balancing.DescribeLoadBalancers": 3,
		"Elastic Load Balancing.DescribeInstanceHealth": 5, "DynamoDB.ListTables": 3, "DynamoDB.DescribeTable": 250,
	}
	total := 1 // DescribeRegions
	for op, n := range perRegion {
		total += 3 * n
		if c := calls.Count(op); c != 3*n {
			t.Errorf("%s: %d calls, want %d", op, c, 3*n)
		}
	}
	if calls.Total() != total || int(inv.Calls) != total {
		t.Errorf("%d calls (inventory counts %d), want exactly %d: %s", calls.Total(), inv.Calls, total, &calls)
	}
}

func TestDiscoverMapsTheWasteTypes(t *testing.T) {
	acct := newFake()
	acct.perRegion.volumes, acct.perRegion.snapshots, acct.perRegion.images = 3, 4, 2
	acct.perRegion.addresses, acct.perRegion.nats, acct.perRegion.lbs, acct.perRegion.classic, acct.perRegion.tables = 2, 1, 2, 2, 2
	s := New(stubClients(acct.handle), resourcequery.Options{})
	inv, err := s.Discover(context.Background(), resourcequery.Query{Regions: []string{"eu-west-1"}, Types: wasteTypes})
	if err != nil || len(inv.Errors) > 0 {
		t.Fatalf("%v %v", err, inv.Errors)
	}
	got := map[string]cloudscope.Resource{}
	for _, r := range inv.Resources {
		got[string(r.Type)+"/"+r.ID] = r
	}
	check := func(key string, ok func(r cloudscope.Resource) bool) {
		t.Helper()
		r, found := got[key]
		if !found {
			t.Errorf("%s not discovered", key)
			return
		}
		if !ok(r) {
			t.Errorf("%s mapped wrong: %+v", key, r)
		}
	}
	arn := "arn:aws:ec2:eu-west-1:" + fakeOwner + ":"
	check("ebs/vol-eu-west-1-00000", func(r cloudscope.Resource) bool {
		v := r.Volume
		return v.VolumeType == "gp2" && v.SizeGB == 100 && v.IOPS == 3000 && v.ThroughputMBps == 125 && v.AvailabilityZone == "eu-west-1a" &&
			slices.Equal(v.AttachedTo, []string{"i-eu-west-1-00000"}) && v.Boot && r.State == "in-use" && r.Name == "disk-0" &&
			r.ARN == arn+"volume/vol-eu-west-1-00000" && r.CreatedAt.Equal(launched)
	})
	check("ebs/vol-eu-west-1-00001", func(r cloudscope.Resource) bool {
		return r.Volume.VolumeType == "gp3" && len(r.Volume.AttachedTo) == 0 && r.Volume.AttachedTo != nil && !r.Volume.Boot && r.State == "available"
	})
	check("ebs/vol-eu-west-1-00002", func(r cloudscope.Resource) bool { return len(r.Volume.AttachedTo) == 1 && !r.Volume.Boot })
	check("ebs-snapshot/snap-00000", func(r cloudscope.Resource) bool {
		b := r.VolumeBackup
		return b.VolumeID == "vol-eu-west-1-00000" && b.VolumeExists != nil && *b.VolumeExists && slices.Equal(b.Images, []string{"ami-00000"}) &&
			b.SizeGB == 100 && b.StorageTier == "standard" && r.State == "completed" && r.CreatedAt.Equal(launched) && r.ARN == arn+"snapshot/snap-00000"
	})
	check("ebs-snapshot/snap-00003", func(r cloudscope.Resource) bool {
		b := r.VolumeBackup
		return b.VolumeExists != nil && !*b.VolumeExists && b.Images != nil && len(b.Images) == 0
	})
	check("eip/eipalloc-00000", func(r cloudscope.Resource) bool {
		return r.State == "associated" && r.Address.PublicIP == "198.51.100.0" && r.Address.InstanceID == "i-eu-west-1-00000" && r.ARN == arn+"elastic-ip/eipalloc-00000"
	})
	check("eip/eipalloc-00001", func(r cloudscope.Resource) bool { return r.State == "unassociated" && r.Address.AssociationID == "" })
	check("nat/nat-00000", func(r cloudscope.Resource) bool {
		n := r.NATGateway
		return r.State == "available" && n.VpcID == "vpc-1" && n.SubnetID == "subnet-1" && n.ConnectivityType == "public" &&
			slices.Equal(n.PublicIPs, []string{"203.0.113.0"}) && r.ARN == arn+"natgateway/nat-00000"
	})
	check("elb/app/lb-00000/0123456789abcdef", func(r cloudscope.Resource) bool {
		l := r.LoadBalancer
		return r.Name == "lb-00000" && r.State == "active" && l.Kind == "application" && l.Scheme == "internet-facing" && l.Targets == 2 && l.HealthyTargets == 1 &&
			r.ARN == lbArn("eu-west-1", 0)
	})
	check("elb/app/lb-00001/0123456789abcdef", func(r cloudscope.Resource) bool {
		return r.LoadBalancer.Targets == 2 && r.LoadBalancer.HealthyTargets == 0
	})
	check("elb/clb-00000", func(r cloudscope.Resource) bool {
		return r.LoadBalancer.Kind == "classic" && r.LoadBalancer.Targets == 2 && r.LoadBalancer.HealthyTargets == 1 &&
			r.ARN == "arn:aws:elasticloadbalancing:eu-west-1:"+fakeOwner+":loadbalancer/clb-00000"
	})
	check("elb/clb-00001", func(r cloudscope.Resource) bool {
		return r.LoadBalancer.Targets == 0 && r.LoadBalancer.HealthyTargets == 0
	})
	check("dynamodb/table-00000", func(r cloudscope.Resource) bool {
		d := r.Table
		return d.BillingMode == "PROVISIONED" && d.ReadCapacityUnits == 5 && d.WriteCapacityUnits == 5 && d.TableClass == "STANDARD" &&
			r.State == "ACTIVE" && r.ARN == "arn:aws:dynamodb:eu-west-1:"+fakeOwner+":table/table-00000"
	})
	check("dynamodb/table-00001", func(r cloudscope.Resource) bool {
		d := r.Table
		return d.BillingMode == "PAY_PER_REQUEST" && d.ReadCapacityUnits == 0 && d.ItemCount == 1 && d.SizeBytes == 1000
	})

	// Snapshots without the region's volumes: whether a volume exists is unknown.
	inv, err = s.Discover(context.Background(), resourcequery.Query{Regions: []string{"eu-west-1"}, Types: []cloudscope.ResourceType{cloudscope.VolumeBackup}})
	if err != nil || len(inv.Resources) != 4 {
		t.Fatalf("%v, %d snapshots", err, len(inv.Resources))
	}
	for _, r := range inv.Resources {
		if r.VolumeBackup.VolumeExists != nil {
			t.Errorf("%s: volume_exists %v without the volume list", r.ID, *r.VolumeBackup.VolumeExists)
		}
	}
}

func TestOneWasteTypeFailingInOneRegionIsPartial(t *testing.T) {
	acct := wasteFake()
	acct.fail = map[string]error{
		"us-west-2/Elastic Load Balancing v2.DescribeTargetHealth": awsstub.APIError("AccessDenied", "User is not authorized to perform: elasticloadbalancing:DescribeTargetHealth"),
		"eu-west-1/DynamoDB.DescribeTable":                         awsstub.APIError("ThrottlingException", "Rate exceeded"),
		"us-east-1/EC2.DescribeImages":                             awsstub.APIError("UnauthorizedOperation", "You are not authorized to perform this operation."),
	}
	calls := perRegion{}
	inv, err := New(stubClients(calls.wrap(acct.handle)), resourcequery.Options{RetryPause: time.Millisecond}).Discover(context.Background(), resourcequery.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range inv.Errors {
		failed = append(failed, f.Region+"/"+f.Service+"/"+f.Code+"/"+f.Message)
	}
	want := "[eu-west-1/dynamodb/upstream_throttled/DescribeTable: ThrottlingException us-east-1/ebs-snapshot/upstream_access_denied/DescribeImages: UnauthorizedOperation us-west-2/elb/upstream_access_denied/DescribeTargetHealth: AccessDenied]"
	if fmt.Sprint(failed) != want {
		t.Errorf("errors\n got %v\nwant %v", failed, want)
	}
	// The throttled tables were listed once more, the denied ones not.
	if n := calls.get("eu-west-1/DynamoDB.ListTables"); n != 6 {
		t.Errorf("eu-west-1 ListTables called %d times, want 3 pages in each pass", n)
	}
	byRegion := map[string]int{}
	for _, r := range inv.Resources {
		byRegion[r.Region+"/"+string(r.Type)]++
	}
	for _, region := range acct.enabled {
		for _, typ := range cloudscope.ResourceTypes {
			key := region + "/" + string(typ)
			wantN := map[cloudscope.ResourceType]int{cloudscope.EC2: 12, cloudscope.RDS: 45, cloudscope.Lambda: 120, cloudscope.Volume: 12, cloudscope.VolumeBackup: 12,
				cloudscope.Address: 4, cloudscope.NATGateway: 11, cloudscope.LoadBalancer: 18, cloudscope.Table: 250}[typ]
			switch key {
			case "eu-west-1/dynamodb", "us-east-1/ebs-snapshot", "us-west-2/elb":
				wantN = 0
			}
			if typ == cloudscope.S3 {
				continue
			}
			if byRegion[key] != wantN {
				t.Errorf("%s: %d resources, want %d", key, byRegion[key], wantN)
			}
		}
	}
}
