package discovery

import (
	"cmp"
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// Load balancers: application, network and gateway (Elastic Load Balancing
// v2) and classic, with their registered and healthy targets.
var elbType = register(Type{
	Descriptor: resourcetypes.Descriptor{
		Order: 8, Name: "elb", Label: "load balancer", Plural: "load balancers", Summary: "load balancers (application, network, gateway, classic)",
		CostService: "Amazon Elastic Load Balancing",
		ID: resourcetypes.IDShape{Pattern: `^((app|net)/[a-zA-Z0-9-]{1,32}/[0-9a-f]{16}|[a-zA-Z0-9-]{1,32})$`,
			What: "a load balancer id: app/name/id or net/name/id (its ARN's end), or a classic load balancer's name"},
		Floor: 60,
		// A load balancer's metrics depend on its kind: the LoadBalancer
		// dimension is the ARN's suffix ("app/name/id", "net/name/id"), a
		// classic one's LoadBalancerName its name.
		Metrics: []resourcetypes.Metric{
			{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Dimension: "LoadBalancer", Stats: []string{"Sum"}, Unit: "Count", Kind: "application",
				Why: "requests served: under 100 a day for a week means an idle load balancer (Trusted Advisor hjLMh88uM8)"},
			{Namespace: "AWS/ApplicationELB", Name: "HealthyHostCount", Dimension: "LoadBalancer", Stats: []string{"Minimum", "Maximum"}, Unit: "Count", Kind: "application",
				Why: "healthy targets (AWS publishes it per target group too; by load balancer alone it may be absent)"},
			{Namespace: "AWS/NetworkELB", Name: "NewFlowCount", Dimension: "LoadBalancer", Stats: []string{"Sum"}, Unit: "Count", Kind: "network",
				Why: "new connections (flows): a network load balancer's requests"},
			{Namespace: "AWS/NetworkELB", Name: "ProcessedBytes", Dimension: "LoadBalancer", Stats: []string{"Sum"}, Unit: "Bytes", Kind: "network",
				Why: "bytes processed"},
			{Namespace: "AWS/ELB", Name: "RequestCount", Dimension: "LoadBalancerName", Stats: []string{"Sum"}, Unit: "Count", Kind: "classic",
				Why: "requests served by a classic load balancer"},
		},
	},
	List: (*Discoverer).listLoadBalancers,
	// Application, network, gateway and classic load balancers share one
	// IAM prefix for both APIs.
	IAMActions: []string{"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
		"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeInstanceHealth"},
	// Requests are read where there is something to serve them: a
	// load balancer without healthy targets is idle already.
	Measured: func(r cloudscope.Resource) bool { return r.LoadBalancer != nil && r.LoadBalancer.HealthyTargets > 0 },
	ARN: func(r cloudscope.Resource, account string) string {
		if r.LoadBalancer == nil || r.LoadBalancer.Kind != "classic" {
			return ""
		}
		return "arn:" + partition(r.Region) + ":elasticloadbalancing:" + r.Region + ":" + account + ":loadbalancer/" + r.ID
	},
})

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

// loadBalancerID is the part of a load balancer's ARN after
// "loadbalancer/": "app/name/id", "net/name/id" or "gwy/name/id", which is
// also the value of CloudWatch's LoadBalancer dimension.
func loadBalancerID(arn string) string {
	if _, id, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return id
	}
	return arn
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
