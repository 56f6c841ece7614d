// Package instancetypes is the EC2 instance type catalogue that
// rightsizing compares sizes in: each type's vCPUs, memory, architectures,
// whether it is burstable and of the current generation, as
// ec2:DescribeInstanceTypes answers them in a region. A region's catalogue
// is read once (about ten pages), kept in the process and in the price
// cache for a week (the catalogue changes when AWS launches a type), so
// that the next scan asks nothing.
package instancetypes

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// IAMActions lists every IAM action the package calls.
var IAMActions = []string{"ec2:DescribeInstanceTypes"}

// TTL is how long a region's catalogue is kept.
const TTL = 7 * 24 * time.Hour

// FailureMemo is how long a failed read answers for the region before it
// is asked again: a scan's rules then wait on it once.
const FailureMemo = 10 * time.Minute

// PageSize is DescribeInstanceTypes' largest page.
const PageSize = 100

// API is the EC2 call the package makes (the SDK's signature, so the
// client and its paginator satisfy it).
type API interface {
	DescribeInstanceTypes(ctx context.Context, in *ec2.DescribeInstanceTypesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error)
}

// Cache keeps answers by key until they expire: the price caches
// (pricing.PriceCache: dynamostore, filestore, memstore) implement it.
type Cache interface {
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	Put(ctx context.Context, key string, val []byte, ttl time.Duration) error
}

// Client reads catalogues: from its memory of this process, then the
// cache, then EC2. It is safe for concurrent use.
type Client struct {
	api   func(region string) API
	cache Cache // nil: none
	now   func() time.Time
	mu    sync.Mutex
	memo  map[string]memo
	calls atomic.Int64
}

type memo struct {
	cat   cloudscope.InstanceCatalogue
	err   error
	until time.Time // zero: for good
}

// New returns a Client that reads a region's catalogue with api(region),
// keeping answers in cache (nil for none).
func New(api func(region string) API, cache Cache) *Client {
	return &Client{api: api, cache: cache, now: time.Now, memo: map[string]memo{}}
}

// WithClock sets the clock that ages failed reads (tests).
func (c *Client) WithClock(now func() time.Time) *Client { c.now = now; return c }

// Calls counts the DescribeInstanceTypes requests made (each page is one).
func (c *Client) Calls() int { return int(c.calls.Load()) }

// Key is the cache key of a region's catalogue.
func Key(region string) string { return "instancetypes#" + region }

// Types is region's catalogue, or why it could not be read.
func (c *Client) Types(ctx context.Context, region string) (cloudscope.InstanceCatalogue, error) {
	c.mu.Lock()
	m, ok := c.memo[region]
	c.mu.Unlock()
	if ok && (m.until.IsZero() || c.now().Before(m.until)) {
		return m.cat, m.err
	}
	cat, err := c.lookup(ctx, region)
	m = memo{cat: cat, err: err}
	if err != nil {
		// Said once per FailureMemo: the rules that wanted it decide nothing meanwhile.
		slog.WarnContext(ctx, "instance type catalogue unavailable; rightsizing skipped in the region", "region", region, "error", err)
		m.until = c.now().Add(FailureMemo)
	}
	c.mu.Lock()
	c.memo[region] = m
	c.mu.Unlock()
	return cat, err
}

func (c *Client) lookup(ctx context.Context, region string) (cloudscope.InstanceCatalogue, error) {
	key := Key(region)
	if c.cache != nil {
		if b, ok, err := c.cache.Get(ctx, key); err != nil {
			slog.WarnContext(ctx, "instance type cache read failed; asking EC2", "key", key, "error", err)
		} else if ok {
			var cat cloudscope.InstanceCatalogue
			if err := json.Unmarshal(b, &cat); err == nil && len(cat) > 0 {
				return cat, nil
			}
		}
	}
	cat, err := c.read(ctx, region)
	if err != nil {
		return nil, err
	}
	if c.cache != nil {
		if b, err := json.Marshal(cat); err == nil {
			if err := c.cache.Put(ctx, key, b, TTL); err != nil {
				slog.WarnContext(ctx, "instance type cache write failed", "key", key, "error", err)
			}
		}
	}
	return cat, nil
}

// read pages through DescribeInstanceTypes in region.
func (c *Client) read(ctx context.Context, region string) (cloudscope.InstanceCatalogue, error) {
	in := &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(PageSize)}
	cat := cloudscope.InstanceCatalogue{}
	for {
		c.calls.Add(1)
		out, err := c.api(region).DescribeInstanceTypes(ctx, in)
		if err != nil {
			return nil, awserr.Wrap(err, "DescribeInstanceTypes in "+region)
		}
		for _, t := range out.InstanceTypes {
			if it, ok := Of(t); ok {
				cat[it.Name] = it
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return cat, nil
}

// Of is what rightsizing needs of one DescribeInstanceTypes entry; ok is
// false for an entry without a name, vCPUs or memory.
func Of(t ec2types.InstanceTypeInfo) (cloudscope.InstanceType, bool) {
	it := cloudscope.InstanceType{Name: string(t.InstanceType), Burstable: aws.ToBool(t.BurstablePerformanceSupported), Current: aws.ToBool(t.CurrentGeneration)}
	if t.VCpuInfo != nil {
		it.VCPU = aws.ToInt32(t.VCpuInfo.DefaultVCpus)
	}
	if t.MemoryInfo != nil {
		it.MemoryMiB = aws.ToInt64(t.MemoryInfo.SizeInMiB)
	}
	if t.ProcessorInfo != nil {
		for _, a := range t.ProcessorInfo.SupportedArchitectures {
			it.Architectures = append(it.Architectures, string(a))
		}
	}
	return it, it.Name != "" && it.VCPU > 0 && it.MemoryMiB > 0
}
