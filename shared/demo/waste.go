package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/elbv2client"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Waste is the demo's share of the types the waste rules judge: for each
// rule, one wasteful case and one healthy twin. What the emulator cannot
// hold: a snapshot's StartTime is always its creation (moto sets it, and no
// API changes it), so the snapshot whose volume is gone is not yet 90 days
// old; a stopped instance's StateTransitionReason carries the time it was
// stopped, now, so no instance has been stopped 30 days.
type Waste struct {
	Volumes       []Volume
	Snapshots     []Snapshot
	Addresses     []Address
	NATGateways   []NATGateway
	LoadBalancers []LoadBalancer
	Tables        []Table
}

// Volume is a demo EBS volume, attached to the instance named by AttachTo
// (none when empty) at /dev/sdf.
type Volume struct {
	Region, Name, Type string
	SizeGB             int32
	AttachTo           string
}

// Snapshot is a demo EBS snapshot: of an AMI made from the instance named by
// ImageOf, or, without it, of a volume deleted after the snapshot.
type Snapshot struct {
	Region, Name, ImageOf string
}

// Address is a demo Elastic IP, associated with the instance named by
// AssociateWith (none when empty).
type Address struct{ Region, Name, AssociateWith string }

// NATGateway is a demo NAT gateway; Idle ones move no bytes.
type NATGateway struct {
	Region, Name string
	Idle         bool
}

// LoadBalancer is a demo load balancer, "application" or "classic", with
// the instances named by Targets registered (running ones: the emulator,
// as AWS, refuses to register a stopped instance).
type LoadBalancer struct {
	Region, Name, Kind string
	Targets            []string
	Requests           bool // serves requests every day
}

// Table is a demo DynamoDB table: provisioned with ReadCapacity and
// WriteCapacity, or on demand when both are 0. Busy tables consume capacity.
type Table struct {
	Region, Name                string
	ReadCapacity, WriteCapacity int64
	Busy                        bool
}

// DefaultWaste is the demo's waste, all in us-east-1 and eu-west-1.
var DefaultWaste = Waste{
	Volumes: []Volume{
		{Region: "us-east-1", Name: "orphaned-data", Type: "gp2", SizeGB: 500},                             // unattached
		{Region: "us-east-1", Name: "web-1-data", Type: "gp3", SizeGB: 200, AttachTo: "web-1"},             // attached, busy
		{Region: "eu-west-1", Name: "api-eu-data", Type: "gp2", SizeGB: 300, AttachTo: "api-eu"},           // gp2 that gp3 serves cheaper
		{Region: "us-east-1", Name: "dev-sandbox-data", Type: "gp3", SizeGB: 100, AttachTo: "dev-sandbox"}, // on a stopped instance
	},
	Snapshots: []Snapshot{
		{Region: "us-east-1", Name: "pre-migration-backup"},         // its volume deleted, no AMI
		{Region: "us-east-1", Name: "web-golden", ImageOf: "web-1"}, // an AMI's
	},
	Addresses: []Address{
		{Region: "us-east-1", Name: "old-vpn-ip"},
		{Region: "us-east-1", Name: "web-1-ip", AssociateWith: "web-1"},
	},
	NATGateways: []NATGateway{
		{Region: "us-east-1", Name: "nat-staging", Idle: true},
		{Region: "us-east-1", Name: "nat-prod"},
	},
	LoadBalancers: []LoadBalancer{
		{Region: "us-east-1", Name: "staging-alb", Kind: "application"}, // no target left
		{Region: "us-east-1", Name: "shop-alb", Kind: "application", Targets: []string{"web-1", "web-2"}, Requests: true},
		{Region: "eu-west-1", Name: "legacy-clb", Kind: "classic", Targets: []string{"api-eu"}, Requests: true},
	},
	Tables: []Table{
		{Region: "us-east-1", Name: "legacy-sessions", ReadCapacity: 100, WriteCapacity: 100}, // provisioned, barely read
		{Region: "us-east-1", Name: "orders", Busy: true},                                     // on demand
	},
}

// Ref names one resource the demo made as discovery lists it.
type Ref struct {
	Type       cloudscope.ResourceType
	Region, ID string
	Name       string
}

// seedWaste creates w. Instances are named as in seeded.InstanceIDs.
func seedWaste(ctx context.Context, clients *awsconf.Clients, w Waste, seeded *Seeded, logf func(string, ...any)) error {
	for _, v := range w.Volumes {
		if err := createVolume(ctx, ec2client.In(clients, v.Region), v, seeded); err != nil {
			return fmt.Errorf("volume %s in %s: %w", v.Name, v.Region, err)
		}
	}
	for _, s := range w.Snapshots {
		if err := createSnapshot(ctx, ec2client.In(clients, s.Region), s, seeded); err != nil {
			return fmt.Errorf("snapshot %s in %s: %w", s.Name, s.Region, err)
		}
	}
	for _, a := range w.Addresses {
		if err := allocateAddress(ctx, ec2client.In(clients, a.Region), a, seeded); err != nil {
			return fmt.Errorf("address %s in %s: %w", a.Name, a.Region, err)
		}
	}
	networks := map[string]*network{}
	for _, n := range w.NATGateways {
		net, err := networkIn(ctx, ec2client.In(clients, n.Region), n.Region, networks)
		if err != nil {
			return fmt.Errorf("network in %s: %w", n.Region, err)
		}
		if err := createNATGateway(ctx, ec2client.In(clients, n.Region), n, net, seeded); err != nil {
			return fmt.Errorf("NAT gateway %s in %s: %w", n.Name, n.Region, err)
		}
	}
	for _, lb := range w.LoadBalancers {
		net, err := networkIn(ctx, ec2client.In(clients, lb.Region), lb.Region, networks)
		if err != nil {
			return fmt.Errorf("network in %s: %w", lb.Region, err)
		}
		if err := createLoadBalancer(ctx, clients, lb, net, seeded); err != nil {
			return fmt.Errorf("load balancer %s in %s: %w", lb.Name, lb.Region, err)
		}
	}
	for _, t := range w.Tables {
		if err := createTable(ctx, dynamodbclient.In(clients, t.Region), t); err != nil {
			return fmt.Errorf("table %s in %s: %w", t.Name, t.Region, err)
		}
		seeded.Waste = append(seeded.Waste, Ref{cloudscope.Table, t.Region, t.Name, t.Name})
	}
	logf("created %d EBS volumes, %d snapshots, %d Elastic IPs, %d NAT gateways, %d load balancers, %d DynamoDB tables",
		len(w.Volumes), len(w.Snapshots), len(w.Addresses), len(w.NATGateways), len(w.LoadBalancers), len(w.Tables))

	// The instances' root volumes, which RunInstances made, are listed too.
	for _, region := range Regions {
		out, err := ec2client.In(clients, region).DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
		if err != nil {
			return fmt.Errorf("volumes in %s: %w", region, err)
		}
		for _, v := range out.Volumes {
			id := aws.ToString(v.VolumeId)
			if !slices.ContainsFunc(seeded.Waste, func(r Ref) bool { return r.ID == id }) {
				seeded.Waste = append(seeded.Waste, Ref{cloudscope.Volume, region, id, ""})
			}
		}
	}
	return nil
}

func nameTag(t ec2types.ResourceType, name string) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: t, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
}

func createVolume(ctx context.Context, client *ec2.Client, v Volume, seeded *Seeded) error {
	out, err := client.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(v.Region + "a"), Size: aws.Int32(v.SizeGB),
		VolumeType: ec2types.VolumeType(v.Type), TagSpecifications: nameTag(ec2types.ResourceTypeVolume, v.Name)})
	if err != nil {
		return err
	}
	id := aws.ToString(out.VolumeId)
	if v.AttachTo != "" {
		if _, err := client.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(id), InstanceId: aws.String(seeded.InstanceIDs[v.AttachTo]),
			Device: aws.String("/dev/sdf")}); err != nil {
			return err
		}
	}
	seeded.VolumeIDs[v.Name] = id
	seeded.Waste = append(seeded.Waste, Ref{cloudscope.Volume, v.Region, id, v.Name})
	return nil
}

func createSnapshot(ctx context.Context, client *ec2.Client, s Snapshot, seeded *Seeded) error {
	if s.ImageOf != "" {
		img, err := client.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(seeded.InstanceIDs[s.ImageOf]), Name: aws.String(s.Name)})
		if err != nil {
			return err
		}
		out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(img.ImageId)}})
		if err != nil {
			return err
		}
		for _, m := range out.Images[0].BlockDeviceMappings {
			if m.Ebs != nil && m.Ebs.SnapshotId != nil {
				id := aws.ToString(m.Ebs.SnapshotId)
				if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id},
					Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(s.Name)}}}); err != nil {
					return err
				}
				seeded.Waste = append(seeded.Waste, Ref{cloudscope.VolumeBackup, s.Region, id, s.Name})
			}
		}
		return nil
	}
	vol, err := client.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(s.Region + "a"), Size: aws.Int32(50), VolumeType: ec2types.VolumeTypeGp3})
	if err != nil {
		return err
	}
	snap, err := client.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId, TagSpecifications: nameTag(ec2types.ResourceTypeSnapshot, s.Name)})
	if err != nil {
		return err
	}
	if _, err := client.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: vol.VolumeId}); err != nil {
		return err
	}
	seeded.Waste = append(seeded.Waste, Ref{cloudscope.VolumeBackup, s.Region, aws.ToString(snap.SnapshotId), s.Name})
	return nil
}

func allocateAddress(ctx context.Context, client *ec2.Client, a Address, seeded *Seeded) error {
	out, err := client.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc,
		TagSpecifications: nameTag(ec2types.ResourceTypeElasticIp, a.Name)})
	if err != nil {
		return err
	}
	if a.AssociateWith != "" {
		if _, err := client.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: out.AllocationId,
			InstanceId: aws.String(seeded.InstanceIDs[a.AssociateWith])}); err != nil {
			return err
		}
	}
	seeded.Waste = append(seeded.Waste, Ref{cloudscope.Address, a.Region, aws.ToString(out.AllocationId), a.Name})
	return nil
}

// network is the demo's VPC in a region, with two subnets in two zones (an
// application load balancer needs two).
type network struct {
	vpc     string
	subnets []string
}

func networkIn(ctx context.Context, client *ec2.Client, region string, cache map[string]*network) (*network, error) {
	if n, ok := cache[region]; ok {
		return n, nil
	}
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16"), TagSpecifications: nameTag(ec2types.ResourceTypeVpc, "cloudscope-demo")})
	if err != nil {
		return nil, err
	}
	n := &network{vpc: aws.ToString(vpc.Vpc.VpcId)}
	for i, zone := range []string{"a", "b"} {
		sub, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.20.%d.0/24", i)),
			AvailabilityZone: aws.String(region + zone)})
		if err != nil {
			return nil, err
		}
		n.subnets = append(n.subnets, aws.ToString(sub.Subnet.SubnetId))
	}
	cache[region] = n
	return n, nil
}

// createNATGateway makes a public NAT gateway with an Elastic IP of its own,
// which the gateway holds (associated).
func createNATGateway(ctx context.Context, client *ec2.Client, n NATGateway, net *network, seeded *Seeded) error {
	eip, err := client.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc,
		TagSpecifications: nameTag(ec2types.ResourceTypeElasticIp, n.Name+"-ip")})
	if err != nil {
		return err
	}
	out, err := client.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(net.subnets[0]), AllocationId: eip.AllocationId,
		TagSpecifications: nameTag(ec2types.ResourceTypeNatgateway, n.Name)})
	if err != nil {
		return err
	}
	id := aws.ToString(out.NatGateway.NatGatewayId)
	seeded.NATGatewayIDs[n.Name] = id
	seeded.Waste = append(seeded.Waste, Ref{cloudscope.NATGateway, n.Region, id, n.Name},
		Ref{cloudscope.Address, n.Region, aws.ToString(eip.AllocationId), n.Name + "-ip"})
	return nil
}

func createLoadBalancer(ctx context.Context, clients *awsconf.Clients, lb LoadBalancer, net *network, seeded *Seeded) error {
	var instances []string
	for _, name := range lb.Targets {
		instances = append(instances, seeded.InstanceIDs[name])
	}
	if lb.Kind == "classic" {
		client := elbclient.In(clients, lb.Region)
		if _, err := client.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{LoadBalancerName: aws.String(lb.Name), Subnets: net.subnets,
			Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(80)}}}); err != nil {
			return err
		}
		var regs []elbtypes.Instance
		for _, id := range instances {
			regs = append(regs, elbtypes.Instance{InstanceId: aws.String(id)})
		}
		if _, err := client.RegisterInstancesWithLoadBalancer(ctx, &elb.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String(lb.Name), Instances: regs}); err != nil {
			return err
		}
		seeded.LoadBalancerIDs[lb.Name] = lb.Name
		seeded.Waste = append(seeded.Waste, Ref{cloudscope.LoadBalancer, lb.Region, lb.Name, lb.Name})
		return nil
	}
	client := elbv2client.In(clients, lb.Region)
	out, err := client.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(lb.Name), Subnets: net.subnets,
		Type: elbv2types.LoadBalancerTypeEnum(lb.Kind)})
	if err != nil {
		return err
	}
	arn := out.LoadBalancers[0].LoadBalancerArn
	tg, err := client.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(lb.Name + "-tg"), VpcId: aws.String(net.vpc),
		Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80), TargetType: elbv2types.TargetTypeEnumInstance})
	if err != nil {
		return err
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn
	if _, err := client.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: arn, Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: tgArn}}}); err != nil {
		return err
	}
	var targets []elbv2types.TargetDescription
	for _, id := range instances {
		targets = append(targets, elbv2types.TargetDescription{Id: aws.String(id), Port: aws.Int32(80)})
	}
	if len(targets) > 0 {
		if _, err := client.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tgArn, Targets: targets}); err != nil {
			return err
		}
	}
	_, id, _ := strings.Cut(aws.ToString(arn), ":loadbalancer/")
	seeded.LoadBalancerIDs[lb.Name] = id
	seeded.Waste = append(seeded.Waste, Ref{cloudscope.LoadBalancer, lb.Region, id, lb.Name})
	return nil
}

func createTable(ctx context.Context, client *dynamodb.Client, t Table) error {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(t.Name),
		AttributeDefinitions: []dynamodbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dynamodbtypes.ScalarAttributeTypeS}},
		KeySchema:            []dynamodbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dynamodbtypes.KeyTypeHash}},
		BillingMode:          dynamodbtypes.BillingModePayPerRequest,
	}
	if t.ReadCapacity > 0 || t.WriteCapacity > 0 {
		in.BillingMode = dynamodbtypes.BillingModeProvisioned
		in.ProvisionedThroughput = &dynamodbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(t.ReadCapacity), WriteCapacityUnits: aws.Int64(t.WriteCapacity)}
	}
	_, err := client.CreateTable(ctx, in)
	return err
}
