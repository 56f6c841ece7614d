// Package discovery lists what an AWS account has in every enabled region:
// EC2 instances, RDS databases, Lambda functions and S3 buckets, and the
// resources the waste rules judge: EBS volumes and the snapshots the account
// owns (with the AMIs that use them), Elastic IPs, NAT gateways, load
// balancers (application, network, gateway and classic, with their targets'
// health) and DynamoDB tables. Every list is read to its last page at the
// API's largest page size; the only calls per item are those no batch API
// avoids (target health per target group, instance health per classic load
// balancer, DescribeTable per table). Regions and services run concurrently
// under a bound; a list that failed for a passing reason (throttled,
// unavailable, timed out) is read once more at the end; a region or service
// that still fails is reported beside what succeeded.
//
// Each resource type is one file here (ec2.go, ebs.go, ...): its descriptor,
// which the rest of cloudscope derives from (see shared/resourcetypes), its
// lister, the IAM actions the lister calls, and which of its resources the
// scan reads metrics for.
package discovery

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/regions"
)

// withDefaults is o with the defaults of what it leaves zero.
func withDefaults(o resourcequery.Options) resourcequery.Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.EC2PageSize <= 0 {
		o.EC2PageSize = 1000
	}
	if o.RDSPageSize <= 0 {
		o.RDSPageSize = 100
	}
	if o.LambdaPageSize <= 0 {
		o.LambdaPageSize = 50
	}
	if o.S3PageSize <= 0 {
		o.S3PageSize = 10000
	}
	if o.VolumePageSize <= 0 {
		o.VolumePageSize = 500
	}
	if o.SnapshotPageSize <= 0 {
		o.SnapshotPageSize = 1000
	}
	if o.ImagePageSize <= 0 {
		o.ImagePageSize = 1000
	}
	if o.NATPageSize <= 0 {
		o.NATPageSize = 1000
	}
	if o.ELBPageSize <= 0 {
		o.ELBPageSize = 400
	}
	if o.DynamoDBPageSize <= 0 {
		o.DynamoDBPageSize = 100
	}
	if o.Budget <= 0 {
		o.Budget = 25 * time.Second
	}
	if o.RegionCacheTTL <= 0 {
		o.RegionCacheTTL = time.Hour
	}
	if o.RetryPause <= 0 {
		o.RetryPause = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Discoverer discovers resources. It is safe for concurrent use and meant to be
// built once per process (once per Lambda cold start).
type Discoverer struct {
	clients Clients
	opts    resourcequery.Options

	regions *regions.List // the enabled regions, cached for Options.RegionCacheTTL
}

// New returns a Discoverer over clients.
func New(clients Clients, opts resourcequery.Options) *Discoverer {
	s := &Discoverer{clients: clients, opts: withDefaults(opts)}
	s.regions = regions.New(func() regions.API { return s.clients.EC2(s.clients.HomeRegion) }, s.opts.RegionCacheTTL, s.opts.Now)
	return s
}

// Regions returns the regions enabled for the account, sorted by name. The
// list is cached for Options.RegionCacheTTL.
func (s *Discoverer) Regions(ctx context.Context) ([]cloudscope.Region, error) {
	regions, _, err := s.regionList(ctx, nil)
	return regions, err
}

// regionList returns the enabled regions and the opt-in status of every
// region, from the cache or from DescribeRegions (shared/regions).
func (s *Discoverer) regionList(ctx context.Context, calls *atomic.Int64) ([]cloudscope.Region, map[string]string, error) {
	return s.regions.Enabled(ctx, calls)
}

// resolveRegions returns the regions a query covers: the requested ones, each
// checked against the account's regions, or every enabled region.
func (s *Discoverer) resolveRegions(ctx context.Context, requested []string, run *runner) ([]string, *cloudscope.Failure, error) {
	if err := run.acquire(ctx); err != nil {
		return nil, nil, err
	}
	enabled, all, err := s.regionList(ctx, &run.calls)
	run.release()
	if err != nil {
		if len(requested) == 0 || errors.Is(err, context.Canceled) {
			return nil, nil, err
		}
		// The caller named its regions: go on unverified and say so.
		f := failure(cloudscope.Global, "ec2", err)
		return requested, &f, nil
	}
	if len(requested) == 0 {
		names := make([]string, len(enabled))
		for i, r := range enabled {
			names[i] = r.Name
		}
		return s.opts.Regions.Select(names).Read, nil, nil
	}
	if err := regions.CheckEnabled("regions", requested, enabled, all); err != nil {
		return nil, nil, err
	}
	return requested, nil, nil
}

// CheckRegions returns an invalid_parameter error naming param for the first
// of names that is not a region enabled for the account, judged by the cached
// region list (one DescribeRegions call per Options.RegionCacheTTL). Any
// other error means the list could not be read.
func (s *Discoverer) CheckRegions(ctx context.Context, param string, names []string) error {
	return s.regions.CheckRegions(ctx, param, names)
}

// Discover lists the resources the query selects. A failing region or service
// is recorded in Inventory.Errors and does not stop the rest; the error return
// is for a scan that cannot start (the region list is unreadable) or a
// cancelled context.
func (s *Discoverer) Discover(ctx context.Context, q resourcequery.Query) (*resourcequery.Inventory, error) {
	types := q.Types
	if len(types) == 0 {
		types = cloudscope.ResourceTypes
	}
	// work ends with the budget; ctx, the caller's, only when the caller goes.
	work, cancel := context.WithTimeout(ctx, s.opts.Budget)
	defer cancel()

	run := &runner{sem: make(chan struct{}, s.opts.Concurrency)}
	var wg sync.WaitGroup

	// A global list (S3's buckets) starts before the region lookup returns.
	global := map[cloudscope.ResourceType][]cloudscope.Resource{}
	var globalMu sync.Mutex
	listAll := func(t Type) {
		wg.Go(func() {
			if found := t.ListAll(s, work, run); found != nil {
				globalMu.Lock()
				global[cloudscope.ResourceType(t.Name)] = found
				globalMu.Unlock()
			}
		})
	}
	for _, name := range types {
		if t, ok := typeOf(name); ok && t.ListAll != nil {
			listAll(t)
		}
	}

	regions, regionFailure, err := s.resolveRegions(work, q.Regions, run)
	if err != nil {
		cancel()
		wg.Wait()
		return nil, err
	}
	if regionFailure != nil {
		run.fail(*regionFailure)
	}

	listIn := func(region string, t Type) {
		wg.Go(func() {
			found, err := t.List(s, work, region, run)
			if err != nil {
				run.fail(failure(region, t.Name, err))
				return
			}
			run.done(region, cloudscope.ResourceType(t.Name))
			run.add(found)
		})
	}
	for _, region := range regions {
		for _, name := range types {
			if t, ok := typeOf(name); ok && t.List != nil {
				listIn(region, t)
			}
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// The second pass: each list that failed for a passing reason, once
	// more after a pause, if the budget allows.
	if again := run.takeTransient(func(f cloudscope.Failure) bool {
		t, ok := typeOf(cloudscope.ResourceType(f.Service))
		return ok && (f.Region == cloudscope.Global) == (t.ListAll != nil)
	}); len(again) > 0 {
		if err := sleep(work, s.opts.RetryPause); err != nil {
			run.failures = append(run.failures, again...)
		} else {
			for _, f := range again {
				t, _ := typeOf(cloudscope.ResourceType(f.Service))
				if f.Region == cloudscope.Global {
					listAll(t)
					continue
				}
				listIn(f.Region, t)
			}
			wg.Wait()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}

	inRegions := make(map[string]bool, len(regions))
	for _, r := range regions {
		inRegions[r] = true
	}
	for _, found := range global {
		run.add(slices.DeleteFunc(found, func(r cloudscope.Resource) bool { return !inRegions[r.Region] }))
	}
	run.linkSnapshots()
	run.fillARNs()

	inv := &resourcequery.Inventory{Regions: slices.Sorted(slices.Values(regions)), Resources: run.sorted(), Errors: run.failures, Calls: run.calls.Load(), Listed: run.listed.Load()}
	slices.SortFunc(inv.Errors, func(a, b cloudscope.Failure) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Message, b.Message))
	})
	if inv.Errors == nil {
		inv.Errors = []cloudscope.Failure{}
	}
	return inv, nil
}

// runner bounds the calls in flight and collects what the workers find.
type runner struct {
	sem    chan struct{}
	calls  atomic.Int64
	listed atomic.Int64 // listings that succeeded

	mu        sync.Mutex
	found     [][]cloudscope.Resource // one slice per finished list
	failures  []cloudscope.Failure
	succeeded map[string]bool // "region/type" of each listing that succeeded
	account   string          // the account id, once an answer names it
}

// done records that the listing of t in region succeeded.
func (r *runner) done(region string, t cloudscope.ResourceType) {
	r.listed.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.succeeded == nil {
		r.succeeded = map[string]bool{}
	}
	r.succeeded[region+"/"+string(t)] = true
}

// sawAccount notes the account id an answer named (an owner id, an ARN's
// account), for the ARNs of the resources whose answers name none.
func (r *runner) sawAccount(id string) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.account == "" {
		r.account = id
	}
}

// acquire takes a place under the concurrency bound, or gives up with ctx.
func (r *runner) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *runner) release() { <-r.sem }

// call runs one AWS request under the concurrency bound and counts it.
func call[T any](ctx context.Context, r *runner, fn func(context.Context) (T, error)) (T, error) {
	if err := r.acquire(ctx); err != nil {
		var zero T
		return zero, err
	}
	defer r.release()
	r.calls.Add(1)
	return fn(ctx)
}

func (r *runner) add(res []cloudscope.Resource) {
	if len(res) == 0 {
		return
	}
	r.mu.Lock()
	r.found = append(r.found, res)
	r.mu.Unlock()
}

// sorted returns everything found in one slice, ordered by type (in
// cloudscope.ResourceTypes order), region and id. It sorts each list on its
// own and then the lists, which is much cheaper than one sort of the whole.
func (r *runner) sorted() []cloudscope.Resource {
	byKey := cloudscope.CompareResources
	n := 0
	for _, list := range r.found {
		slices.SortFunc(list, byKey)
		n += len(list)
	}
	slices.SortFunc(r.found, func(a, b []cloudscope.Resource) int { return byKey(a[0], b[0]) })
	out := make([]cloudscope.Resource, 0, n)
	for _, list := range r.found {
		out = append(out, list...)
	}
	// Lists never interleave (each holds one type in one region, or all of
	// S3), so this is a check that costs one pass.
	if !slices.IsSortedFunc(out, byKey) {
		slices.SortStableFunc(out, byKey)
	}
	return out
}

func (r *runner) fail(f cloudscope.Failure) {
	r.mu.Lock()
	r.failures = append(r.failures, f)
	r.mu.Unlock()
}

// takeTransient removes and returns the failures with a passing cause
// (throttled, unavailable, timed out) that retryable selects. Call it
// while no worker runs.
func (r *runner) takeTransient(retryable func(cloudscope.Failure) bool) []cloudscope.Failure {
	var taken, kept []cloudscope.Failure
	for _, f := range r.failures {
		if cloudscope.ErrorCode(f.Code).Transient() && retryable(f) {
			taken = append(taken, f)
		} else {
			kept = append(kept, f)
		}
	}
	r.failures = kept
	return taken
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func failure(region, service string, err error) cloudscope.Failure {
	var ce *cloudscope.Error
	if !errors.As(err, &ce) { // a cancellation, which Wrap leaves as it is
		ce = &cloudscope.Error{Code: awserr.Classify(err), Message: service + ": " + err.Error()}
	}
	return cloudscope.Failure{Region: region, Service: service, Code: string(ce.Code), Message: ce.Message, Detail: awserr.Detail(err)}
}

// partition returns the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func tagMap(tags []ec2types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// accountOf is the account id field of an ARN ("" when it has none).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
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
			if t, ok := typeOf(res.Type); ok && t.ARN != nil {
				res.ARN = t.ARN(*res, account)
			}
		}
	}
}
