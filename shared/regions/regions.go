// Package regions lists the regions enabled for an account (EC2's
// DescribeRegions, cached) and checks region names against them. Discovery
// lists through it, and a function that only checks region names (metrics)
// or lists each account's regions (the scan's plan) links EC2
// alone for it.
package regions

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// IAMActions are what listing and checking regions calls (Regions,
// CheckRegions).
var IAMActions = []string{"ec2:DescribeRegions"}

// DefaultCacheTTL is how long the list is reused by default.
const DefaultCacheTTL = time.Hour

// API is the part of the EC2 client this package calls.
type API interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
}

// List is one account's enabled regions, read once per cache period. It is
// safe for concurrent use.
type List struct {
	api func() API
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	enabled []cloudscope.Region
	at      time.Time
	all     map[string]string // every region AWS lists -> its opt-in status
}

// New lists through api (called per read: the client of the account's home
// region), each list reused for ttl (0: DefaultCacheTTL) by the clock now
// (nil: time.Now).
func New(api func() API, ttl time.Duration, now func() time.Time) *List {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	if now == nil {
		now = time.Now
	}
	return &List{api: api, ttl: ttl, now: now}
}

// Of is the list of the account of clients, asked in their default region.
func Of(clients *awsconf.Clients) *List {
	return New(func() API { return ec2client.In(clients, clients.DefaultRegion()) }, 0, nil)
}

// Regions returns the regions enabled for the account, sorted by name.
func (l *List) Regions(ctx context.Context) ([]cloudscope.Region, error) {
	enabled, _, err := l.Enabled(ctx, nil)
	return enabled, err
}

// Enabled returns the enabled regions and the opt-in status of every
// region, from the cache or from DescribeRegions (counted in calls, when
// set). The lock is not held during the call: two cold requests may both
// make it, which is harmless.
func (l *List) Enabled(ctx context.Context, calls *atomic.Int64) ([]cloudscope.Region, map[string]string, error) {
	l.mu.Lock()
	if l.enabled != nil && l.now().Sub(l.at) < l.ttl {
		defer l.mu.Unlock()
		return l.enabled, l.all, nil
	}
	l.mu.Unlock()
	if calls != nil {
		calls.Add(1)
	}
	out, err := l.api().DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil {
		return nil, nil, awserr.Wrap(err, "DescribeRegions")
	}
	all := make(map[string]string, len(out.Regions))
	for _, r := range out.Regions {
		all[aws.ToString(r.RegionName)] = aws.ToString(r.OptInStatus)
	}
	var enabled []cloudscope.Region
	for _, name := range slices.Sorted(maps.Keys(all)) { // by name
		if status := all[name]; EnabledStatus(status) {
			enabled = append(enabled, cloudscope.Region{Name: name, OptInStatus: status})
		}
	}
	l.mu.Lock()
	l.enabled, l.all, l.at = enabled, all, l.now()
	l.mu.Unlock()
	return enabled, all, nil
}

// EnabledStatus reports whether a region with this opt-in status accepts calls.
// An empty status is what DescribeRegions gives without AllRegions: enabled.
func EnabledStatus(status string) bool {
	return status == "opt-in-not-required" || status == "opted-in" || status == ""
}

// CheckRegions returns an invalid_parameter error naming param for the first
// of names that is not a region enabled for the account, judged by the cached
// region list (one DescribeRegions call per cache period). Any other error
// means the list could not be read.
func (l *List) CheckRegions(ctx context.Context, param string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	enabled, all, err := l.Enabled(ctx, nil)
	if err != nil {
		return err
	}
	return CheckEnabled(param, names, enabled, all)
}

// CheckEnabled checks names against the enabled regions and the opt-in
// status of every region.
func CheckEnabled(param string, names []string, enabled []cloudscope.Region, all map[string]string) error {
	for _, name := range names {
		status, known := all[name]
		switch {
		case !known:
			return cloudscope.Invalid(param, "unknown region %q; enabled regions: %s", cloudscope.Clip(name), joinNames(enabled))
		case !EnabledStatus(status):
			return cloudscope.Invalid(param, "region %q is not enabled for this account (%s); enabled regions: %s", name, status, joinNames(enabled))
		}
	}
	return nil
}

// namesShown is how many enabled regions a message lists before "and N more".
const namesShown = 6

func joinNames(regions []cloudscope.Region) string {
	var names []string
	for i, r := range regions {
		if i == namesShown {
			return strings.Join(names, ", ") + fmt.Sprintf(" and %d more", len(regions)-namesShown)
		}
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}
