package discovery

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The listers of the types the waste rules judge: EBS volumes and
// snapshots, Elastic IPs, NAT gateways, load balancers and DynamoDB tables.
// Each reads every page at the API's largest page size. The only calls per
// item are those no batch API avoids: DescribeTargetHealth per target group
// that serves a load balancer, DescribeInstanceHealth per classic load
// balancer with instances, DescribeTable per table.

// rootDevices are the device names AWS's AMIs give the root volume: Amazon
// Linux and most Linux AMIs /dev/xvda, Windows and the Ubuntu, RHEL and
// SUSE AMIs /dev/sda1. DescribeVolumes does not say which volume is an
// instance's root device, and asking DescribeInstances per volume would cost
// a call per volume: a volume attached under one of these names counts as a
// boot volume. An AMI with another root device name is misjudged as a data
// volume.
var rootDevices = []string{"/dev/xvda", "/dev/sda1"}

func (s *Discoverer) listVolumes(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := ec2.NewDescribeVolumesPaginator(s.clients.EC2(region), &ec2.DescribeVolumesInput{MaxResults: aws.Int32(s.opts.VolumePageSize)})
	arnPrefix := "arn:" + partition(region) + ":ec2:" + region + ":"
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeVolumesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeVolumes")
		}
		out = slices.Grow(out, len(page.Volumes))
		for _, v := range page.Volumes {
			id := aws.ToString(v.VolumeId)
			d := &cloudscope.VolumeDetails{
				VolumeType:       string(v.VolumeType),
				SizeGB:           aws.ToInt32(v.Size),
				IOPS:             aws.ToInt32(v.Iops),
				ThroughputMBps:   aws.ToInt32(v.Throughput),
				AvailabilityZone: aws.ToString(v.AvailabilityZone),
				Encrypted:        aws.ToBool(v.Encrypted),
				AttachedTo:       []string{},
			}
			for _, a := range v.Attachments {
				if a.State == ec2types.VolumeAttachmentStateDetached || a.InstanceId == nil {
					continue
				}
				d.AttachedTo = append(d.AttachedTo, aws.ToString(a.InstanceId))
				d.Boot = d.Boot || slices.Contains(rootDevices, aws.ToString(a.Device))
			}
			r := cloudscope.Resource{
				Type:      cloudscope.Volume,
				ID:        id,
				Region:    region,
				ARN:       aws.ToString(v.VolumeArn),
				State:     string(v.State),
				CreatedAt: v.CreateTime,
				Tags:      tagMap(v.Tags),
				Volume:    d,
			}
			if owner := aws.ToString(v.OwnerId); r.ARN == "" && owner != "" {
				r.ARN = arnPrefix + owner + ":volume/" + id
			}
			run.sawAccount(accountOf(r.ARN))
			r.Name = r.Tags["Name"]
			out = append(out, r)
		}
	}
	return out, nil
}

// listSnapshots lists the snapshots the account owns, each with the AMIs
// the account owns that use it: the AMIs come from one paged listing per
// region, read beside the snapshots. Whether a snapshot's volume still
// exists is set after discovery, from the same region's volume list.
func (s *Discoverer) listSnapshots(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var images map[string][]string
	var imagesErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		images, imagesErr = s.imagesBySnapshot(ctx, region, run)
	}()

	pages := ec2.NewDescribeSnapshotsPaginator(s.clients.EC2(region), &ec2.DescribeSnapshotsInput{
		OwnerIds: []string{"self"}, MaxResults: aws.Int32(s.opts.SnapshotPageSize)})
	arnPrefix := "arn:" + partition(region) + ":ec2:" + region + ":"
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeSnapshotsOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			cancel()
			<-done
			return out, awserr.Wrap(err, "DescribeSnapshots")
		}
		out = slices.Grow(out, len(page.Snapshots))
		for _, sn := range page.Snapshots {
			id, owner := aws.ToString(sn.SnapshotId), aws.ToString(sn.OwnerId)
			run.sawAccount(owner)
			r := cloudscope.Resource{
				Type:      cloudscope.VolumeBackup,
				ID:        id,
				Region:    region,
				State:     string(sn.State),
				CreatedAt: sn.StartTime,
				Tags:      tagMap(sn.Tags),
				VolumeBackup: &cloudscope.VolumeBackupDetails{
					VolumeID:    aws.ToString(sn.VolumeId),
					SizeGB:      aws.ToInt32(sn.VolumeSize),
					StorageTier: string(sn.StorageTier),
				},
			}
			if owner != "" {
				r.ARN = arnPrefix + owner + ":snapshot/" + id
			}
			r.Name = r.Tags["Name"]
			out = append(out, r)
		}
	}
	<-done
	if imagesErr != nil {
		return out, imagesErr
	}
	for i := range out {
		out[i].VolumeBackup.Images = images[out[i].ID]
		if out[i].VolumeBackup.Images == nil {
			out[i].VolumeBackup.Images = []string{}
		}
	}
	return out, nil
}

// imagesBySnapshot maps each snapshot to the AMIs the account owns whose
// block device mappings name it (disabled AMIs included: they keep their
// snapshots).
func (s *Discoverer) imagesBySnapshot(ctx context.Context, region string, run *runner) (map[string][]string, error) {
	pages := ec2.NewDescribeImagesPaginator(s.clients.EC2(region), &ec2.DescribeImagesInput{
		Owners: []string{"self"}, IncludeDisabled: aws.Bool(true), MaxResults: aws.Int32(s.opts.ImagePageSize)})
	images := map[string][]string{}
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeImagesOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return nil, awserr.Wrap(err, "DescribeImages")
		}
		for _, img := range page.Images {
			run.sawAccount(aws.ToString(img.OwnerId))
			for _, m := range img.BlockDeviceMappings {
				if m.Ebs == nil || m.Ebs.SnapshotId == nil {
					continue
				}
				snap := aws.ToString(m.Ebs.SnapshotId)
				if id := aws.ToString(img.ImageId); !slices.Contains(images[snap], id) {
					images[snap] = append(images[snap], id)
				}
			}
		}
	}
	for _, ids := range images {
		slices.Sort(ids)
	}
	return images, nil
}

// listAddresses lists the Elastic IPs: DescribeAddresses has no paging and
// answers every address in one call.
func (s *Discoverer) listAddresses(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	client := s.clients.EC2(region)
	page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeAddressesOutput, error) {
		return client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	})
	if err != nil {
		return nil, awserr.Wrap(err, "DescribeAddresses")
	}
	out := make([]cloudscope.Resource, 0, len(page.Addresses))
	for _, a := range page.Addresses {
		d := &cloudscope.AddressDetails{
			PublicIP:           aws.ToString(a.PublicIp),
			AllocationID:       aws.ToString(a.AllocationId),
			AssociationID:      aws.ToString(a.AssociationId),
			InstanceID:         aws.ToString(a.InstanceId),
			NetworkInterfaceID: aws.ToString(a.NetworkInterfaceId),
			Domain:             string(a.Domain),
		}
		r := cloudscope.Resource{
			Type:    cloudscope.Address,
			ID:      cmp.Or(d.AllocationID, d.PublicIP), // EC2-Classic addresses have no allocation id
			Region:  region,
			State:   "unassociated",
			Tags:    tagMap(a.Tags),
			Address: d,
		}
		if d.AssociationID != "" || d.InstanceID != "" || d.NetworkInterfaceID != "" {
			r.State = "associated"
		}
		r.Name = r.Tags["Name"]
		out = append(out, r)
	}
	return out, nil
}

func (s *Discoverer) listNATGateways(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	pages := ec2.NewDescribeNatGatewaysPaginator(s.clients.EC2(region), &ec2.DescribeNatGatewaysInput{MaxResults: aws.Int32(s.opts.NATPageSize)})
	var out []cloudscope.Resource
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*ec2.DescribeNatGatewaysOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			return out, awserr.Wrap(err, "DescribeNatGateways")
		}
		out = slices.Grow(out, len(page.NatGateways))
		for _, g := range page.NatGateways {
			d := &cloudscope.NATGatewayDetails{
				VpcID:            aws.ToString(g.VpcId),
				SubnetID:         aws.ToString(g.SubnetId),
				ConnectivityType: string(g.ConnectivityType),
			}
			for _, a := range g.NatGatewayAddresses {
				if ip := aws.ToString(a.PublicIp); ip != "" {
					d.PublicIPs = append(d.PublicIPs, ip)
				}
			}
			r := cloudscope.Resource{
				Type:       cloudscope.NATGateway,
				ID:         aws.ToString(g.NatGatewayId),
				Region:     region,
				State:      string(g.State),
				CreatedAt:  g.CreateTime,
				Tags:       tagMap(g.Tags),
				NATGateway: d,
			}
			r.Name = r.Tags["Name"]
			out = append(out, r)
		}
	}
	return out, nil
}

// listLoadBalancers lists the application, network and gateway load
// balancers (Elastic Load Balancing v2) and the classic ones, side by side,
// each with its targets and how many are healthy. A failure of either API
// fails the region's load balancers.
func (s *Discoverer) listLoadBalancers(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	var v2, classic []cloudscope.Resource
	var v2Err, classicErr error
	var wg sync.WaitGroup
	wg.Go(func() { v2, v2Err = s.listLoadBalancersV2(ctx, region, run) })
	wg.Go(func() { classic, classicErr = s.listClassicLoadBalancers(ctx, region, run) })
	wg.Wait()
	return append(v2, classic...), cmp.Or(v2Err, classicErr)
}

// health counts the targets of each load balancer, and those healthy.
type health struct {
	mu               sync.Mutex
	targets, healthy map[string]int // load balancer ARN -> count
	err              error
}

func (h *health) add(lbs []string, targets, healthy int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, lb := range lbs {
		h.targets[lb] += targets
		h.healthy[lb] += healthy
	}
}

func (h *health) fail(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil {
		h.err = err
	}
}

// listLoadBalancersV2 reads the load balancers and the target groups side
// by side; each target group that serves a load balancer gets its
// DescribeTargetHealth as soon as its page arrives (AWS has no batch form).
func (s *Discoverer) listLoadBalancersV2(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	client := s.clients.ELBv2(region)
	h := &health{targets: map[string]int{}, healthy: map[string]int{}}
	var wg sync.WaitGroup
	var groupsErr error
	wg.Go(func() {
		pages := elbv2.NewDescribeTargetGroupsPaginator(client, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(s.opts.ELBPageSize)})
		for pages.HasMorePages() {
			page, err := call(ctx, run, func(ctx context.Context) (*elbv2.DescribeTargetGroupsOutput, error) { return pages.NextPage(ctx) })
			if err != nil {
				groupsErr = awserr.Wrap(err, "DescribeTargetGroups")
				return
			}
			for _, tg := range page.TargetGroups {
				if len(tg.LoadBalancerArns) == 0 {
					continue // serves no load balancer: its health counts for none
				}
				wg.Go(func() {
					out, err := call(ctx, run, func(ctx context.Context) (*elbv2.DescribeTargetHealthOutput, error) {
						return client.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
					})
					if err != nil {
						h.fail(awserr.Wrap(err, "DescribeTargetHealth"))
						return
					}
					healthy := 0
					for _, d := range out.TargetHealthDescriptions {
						if d.TargetHealth != nil && d.TargetHealth.State == "healthy" {
							healthy++
						}
					}
					h.add(tg.LoadBalancerArns, len(out.TargetHealthDescriptions), healthy)
				})
			}
		}
	})

	var out []cloudscope.Resource
	pages := elbv2.NewDescribeLoadBalancersPaginator(client, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(s.opts.ELBPageSize)})
	var lbErr error
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*elbv2.DescribeLoadBalancersOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			lbErr = awserr.Wrap(err, "DescribeLoadBalancers")
			break
		}
		for _, lb := range page.LoadBalancers {
			arn := aws.ToString(lb.LoadBalancerArn)
			run.sawAccount(accountOf(arn))
			r := cloudscope.Resource{
				Type:      cloudscope.LoadBalancer,
				ID:        loadBalancerID(arn),
				Name:      aws.ToString(lb.LoadBalancerName),
				Region:    region,
				ARN:       arn,
				CreatedAt: lb.CreatedTime,
				LoadBalancer: &cloudscope.LoadBalancerDetails{
					Kind:    string(lb.Type),
					Scheme:  string(lb.Scheme),
					DNSName: aws.ToString(lb.DNSName),
					VpcID:   aws.ToString(lb.VpcId),
					Zones:   len(lb.AvailabilityZones),
				},
			}
			if lb.State != nil {
				r.State = string(lb.State.Code)
			}
			out = append(out, r)
		}
	}
	wg.Wait()
	if err := cmp.Or(lbErr, groupsErr, h.err); err != nil {
		return out, err
	}
	for i := range out {
		out[i].LoadBalancer.Targets = h.targets[out[i].ARN]
		out[i].LoadBalancer.HealthyTargets = h.healthy[out[i].ARN]
	}
	return out, nil
}

// listClassicLoadBalancers reads the classic load balancers and, for each
// with instances, their health (DescribeInstanceHealth, one call per load
// balancer: AWS has no batch form).
func (s *Discoverer) listClassicLoadBalancers(ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error) {
	client := s.clients.ELB(region)
	h := &health{targets: map[string]int{}, healthy: map[string]int{}}
	var wg sync.WaitGroup
	var out []cloudscope.Resource
	var listErr error
	pages := elb.NewDescribeLoadBalancersPaginator(client, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(s.opts.ELBPageSize)})
	for pages.HasMorePages() {
		page, err := call(ctx, run, func(ctx context.Context) (*elb.DescribeLoadBalancersOutput, error) { return pages.NextPage(ctx) })
		if err != nil {
			listErr = awserr.Wrap(err, "DescribeLoadBalancers (classic)")
			break
		}
		for _, lb := range page.LoadBalancerDescriptions {
			name := aws.ToString(lb.LoadBalancerName)
			out = append(out, cloudscope.Resource{
				Type:      cloudscope.LoadBalancer,
				ID:        name,
				Name:      name,
				Region:    region,
				CreatedAt: lb.CreatedTime,
				LoadBalancer: &cloudscope.LoadBalancerDetails{
					Kind:    "classic",
					Scheme:  aws.ToString(lb.Scheme),
					DNSName: aws.ToString(lb.DNSName),
					VpcID:   aws.ToString(lb.VPCId),
					Zones:   len(lb.AvailabilityZones),
				},
			})
			if len(lb.Instances) == 0 {
				continue // nothing registered: no health to ask for
			}
			wg.Go(func() {
				res, err := call(ctx, run, func(ctx context.Context) (*elb.DescribeInstanceHealthOutput, error) {
					return client.DescribeInstanceHealth(ctx, &elb.DescribeInstanceHealthInput{LoadBalancerName: aws.String(name)})
				})
				if err != nil {
					h.fail(awserr.Wrap(err, "DescribeInstanceHealth"))
					return
				}
				healthy := 0
				for _, st := range res.InstanceStates {
					if aws.ToString(st.State) == "InService" {
						healthy++
					}
				}
				h.add([]string{name}, len(res.InstanceStates), healthy)
			})
		}
	}
	wg.Wait()
	if err := cmp.Or(listErr, h.err); err != nil {
		return out, err
	}
	for i := range out {
		out[i].LoadBalancer.Targets = h.targets[out[i].ID]
		out[i].LoadBalancer.HealthyTargets = h.healthy[out[i].ID]
	}
	return out, nil
}

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

// loadBalancerID is the part of a load balancer's ARN after
// "loadbalancer/": "app/name/id", "net/name/id" or "gwy/name/id", which is
// also the value of CloudWatch's LoadBalancer dimension.
func loadBalancerID(arn string) string {
	if _, id, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return id
	}
	return arn
}

// accountOf is the account id field of an ARN ("" when it has none).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// linkSnapshots sets, on each snapshot, whether its source volume still
// exists, where the same discovery listed the region's volumes; elsewhere
// it stays unknown (nil). Call it while no worker runs.
func (r *runner) linkSnapshots() {
	volumes := map[string]map[string]bool{} // region -> volume ids
	for key := range r.succeeded {
		if region, typ, _ := strings.Cut(key, "/"); cloudscope.ResourceType(typ) == cloudscope.Volume {
			volumes[region] = map[string]bool{}
		}
	}
	for _, list := range r.found {
		if list[0].Type == cloudscope.Volume {
			for _, v := range list {
				volumes[v.Region][v.ID] = true
			}
		}
	}
	for _, list := range r.found {
		ids, listed := volumes[list[0].Region]
		if list[0].Type != cloudscope.VolumeBackup || !listed {
			continue
		}
		for i := range list {
			exists := ids[list[i].VolumeBackup.VolumeID]
			list[i].VolumeBackup.VolumeExists = &exists
		}
	}
}

// fillARNs gives an ARN to the resources whose API answer names no account
// (Elastic IPs, NAT gateways, classic load balancers, volumes without an
// owner), once another answer of the same discovery named it. Call it while
// no worker runs.
func (r *runner) fillARNs() {
	account := r.account
	if account == "" {
		return
	}
	for _, list := range r.found {
		for i := range list {
			res := &list[i]
			if res.ARN != "" {
				continue
			}
			prefix := "arn:" + partition(res.Region) + ":ec2:" + res.Region + ":" + account + ":"
			switch {
			case res.Type == cloudscope.Volume:
				res.ARN = prefix + "volume/" + res.ID
			case res.Type == cloudscope.Address && res.Address.AllocationID != "":
				res.ARN = prefix + "elastic-ip/" + res.ID
			case res.Type == cloudscope.NATGateway:
				res.ARN = prefix + "natgateway/" + res.ID
			case res.Type == cloudscope.LoadBalancer && res.LoadBalancer.Kind == "classic":
				res.ARN = "arn:" + partition(res.Region) + ":elasticloadbalancing:" + res.Region + ":" + account + ":loadbalancer/" + res.ID
			}
		}
	}
}
