package discovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

func newFake() *fakeAccount {
	a := &fakeAccount{
		enabled:  []string{"eu-west-1", "us-east-1", "us-west-2"},
		disabled: []string{"af-south-1", "ap-east-1"},
		buckets: map[string]string{
			"assets": "us-east-1", "logs-eu": "eu-west-1", "backups-za": "af-south-1",
		},
	}
	a.perRegion.ec2, a.perRegion.rds, a.perRegion.lambda = 12, 45, 120
	return a
}

func countByType(inv *resourcequery.Inventory) map[cloudscope.ResourceType]int {
	m := map[cloudscope.ResourceType]int{}
	for _, r := range inv.Resources {
		m[r.Type]++
	}
	return m
}

func TestDiscoverReadsEveryPage(t *testing.T) {
	acct := newFake()
	var calls awsstub.Counter
	s := New(stubClients(calls.Wrap(acct.handle)), resourcequery.Options{EC2PageSize: 5, RDSPageSize: 20, LambdaPageSize: 50})

	inv, err := s.Discover(context.Background(), resourcequery.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	got := countByType(inv)
	want := map[cloudscope.ResourceType]int{cloudscope.EC2: 36, cloudscope.RDS: 135, cloudscope.Lambda: 360, cloudscope.S3: 2}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: got %d resources, want %d", typ, got[typ], n)
		}
	}
	// Pages per region: EC2 ceil(12/5)=3, RDS ceil(45/20)=3, Lambda ceil(120/50)=3.
	for op, n := range map[string]int{
		"EC2.DescribeRegions": 1, "EC2.DescribeInstances": 9, "RDS.DescribeDBInstances": 9,
		"Lambda.ListFunctions": 9, "S3.ListBuckets": 1, "S3.GetBucketLocation": 3,
	} {
		if c := calls.Count(op); c != n {
			t.Errorf("%s: %d calls, want %d", op, c, n)
		}
	}
	if int(inv.Calls) != calls.Total() {
		t.Errorf("inventory counts %d calls, stub saw %d", inv.Calls, calls.Total())
	}
	if want := []string{"eu-west-1", "us-east-1", "us-west-2"}; fmt.Sprint(inv.Regions) != fmt.Sprint(want) {
		t.Errorf("regions %v, want %v (enabled only)", inv.Regions, want)
	}
}

func TestDiscoverMapsFields(t *testing.T) {
	acct := newFake()
	acct.perRegion.ec2, acct.perRegion.rds, acct.perRegion.lambda = 1, 1, 1
	acct.bucketRegionInList = true
	var calls awsstub.Counter
	s := New(stubClients(calls.Wrap(acct.handle)), resourcequery.Options{})
	inv, err := s.Discover(context.Background(), resourcequery.Query{Regions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Count("S3.GetBucketLocation") != 0 {
		t.Errorf("GetBucketLocation called although ListBuckets gave every region")
	}
	byType := map[cloudscope.ResourceType]cloudscope.Resource{}
	for _, r := range inv.Resources {
		byType[r.Type] = r
	}
	ec2 := byType[cloudscope.EC2]
	if ec2.ID != "i-eu-west-1-00000" || ec2.Name != "web-0" || ec2.State != "running" || ec2.Region != "eu-west-1" ||
		ec2.EC2.InstanceType != "t3.micro" || ec2.EC2.AvailabilityZone != "eu-west-1a" || !ec2.CreatedAt.Equal(launched) ||
		ec2.ARN != "arn:aws:ec2:eu-west-1:111122223333:instance/i-eu-west-1-00000" {
		t.Errorf("ec2 mapped wrong: %+v %+v", ec2, ec2.EC2)
	}
	db := byType[cloudscope.RDS]
	if db.ID != "db-00000" || db.State != "available" || db.RDS.Engine != "postgres" || db.RDS.AllocatedStorageGB != 20 {
		t.Errorf("rds mapped wrong: %+v %+v", db, db.RDS)
	}
	fn := byType[cloudscope.Lambda]
	if fn.ID != "fn-00000" || fn.Lambda.MemoryMB != 128 || fn.Lambda.Architectures[0] != "arm64" || fn.Lambda.LastModified == nil || !fn.Lambda.LastModified.Equal(launched) {
		t.Errorf("lambda mapped wrong: %+v %+v", fn, fn.Lambda)
	}
	b := byType[cloudscope.S3]
	if b.ID != "logs-eu" || b.Region != "eu-west-1" || b.ARN != "arn:aws:s3:::logs-eu" {
		t.Errorf("bucket outside the asked regions or mapped wrong: %+v", b)
	}
	if n := countByType(inv)[cloudscope.S3]; n != 1 {
		t.Errorf("%d buckets, want only the one in eu-west-1", n)
	}
}

func TestDiscoverKeepsTheRestWhenOneRegionFails(t *testing.T) {
	acct := newFake()
	acct.fail = map[string]error{
		"us-west-2/EC2.DescribeInstances":   awsstub.APIError("UnauthorizedOperation", "You are not authorized to perform this operation."),
		"eu-west-1/RDS.DescribeDBInstances": awsstub.APIError("Throttling", "Rate exceeded"),
	}
	calls := perRegion{}
	s := New(stubClients(calls.wrap(acct.handle)), resourcequery.Options{RetryPause: time.Millisecond})
	inv, err := s.Discover(context.Background(), resourcequery.Query{})
	if err != nil {
		t.Fatal(err)
	}
	want := []cloudscope.Failure{
		{Region: "eu-west-1", Service: "rds", Code: "upstream_throttled", Message: "DescribeDBInstances: Throttling", Detail: "Rate exceeded"},
		{Region: "us-west-2", Service: "ec2", Code: "upstream_access_denied", Message: "DescribeInstances: UnauthorizedOperation", Detail: "You are not authorized to perform this operation."},
	}
	if fmt.Sprint(inv.Errors) != fmt.Sprint(want) {
		t.Errorf("errors\n got %v\nwant %v", inv.Errors, want)
	}
	// Throttled: tried again in the second pass. Denied: not.
	if n, m := calls.get("eu-west-1/RDS.DescribeDBInstances"), calls.get("us-west-2/EC2.DescribeInstances"); n != 2 || m != 1 {
		t.Errorf("the throttled list was called %d times (want 2), the denied one %d (want 1)", n, m)
	}
	got := countByType(inv)
	if got[cloudscope.EC2] != 24 || got[cloudscope.RDS] != 90 || got[cloudscope.Lambda] != 360 {
		t.Errorf("the regions that worked were not all returned: %v", got)
	}
}

// perRegion counts calls per "region/Service.Operation".
type perRegion struct {
	mu sync.Mutex
	n  map[string]int
}

func (p *perRegion) wrap(h awsstub.Handler) awsstub.Handler {
	return func(ctx context.Context, c awsstub.Call) (any, error) {
		p.mu.Lock()
		if p.n == nil {
			p.n = map[string]int{}
		}
		p.n[c.Region+"/"+c.Service+"."+c.Operation]++
		p.mu.Unlock()
		return h(ctx, c)
	}
}

func (p *perRegion) get(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[key]
}

func TestSecondPassRecoversWhatFailedForAPassingReason(t *testing.T) {
	acct := newFake()
	calls := perRegion{}
	// Each of these fails the first time only: throttled on the second page
	// of a list, S3 unavailable, a region that timed out.
	failOnce := map[string]error{
		"eu-west-1/Lambda.ListFunctions":  awsstub.APIError("Throttling", "Rate exceeded"),
		"us-east-1/S3.ListBuckets":        awsstub.APIError("ServiceUnavailable", "Please try again"),
		"us-west-2/EC2.DescribeInstances": fmt.Errorf("describe: %w", context.DeadlineExceeded),
	}
	h := calls.wrap(acct.handle)
	pause := 50 * time.Millisecond
	start := time.Now()
	inv, err := New(stubClients(onceFailing(h, failOnce, "eu-west-1/Lambda.ListFunctions")), resourcequery.Options{RetryPause: pause}).Discover(context.Background(), resourcequery.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors after the second pass: %v", inv.Errors)
	}
	got := countByType(inv)
	if want := map[cloudscope.ResourceType]int{cloudscope.EC2: 36, cloudscope.RDS: 135, cloudscope.Lambda: 360, cloudscope.S3: 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources %v, want %v", got, want)
	}
	if d := time.Since(start); d < pause {
		t.Errorf("the second pass came after %s, before the %s pause", d, pause)
	}
	// Lambda in eu-west-1: 3 pages, the second failed; then 3 pages again.
	if n := calls.get("eu-west-1/Lambda.ListFunctions"); n != 5 {
		t.Errorf("eu-west-1 ListFunctions called %d times, want 2 then 3", n)
	}
	if n := calls.get("us-east-1/Lambda.ListFunctions"); n != 3 {
		t.Errorf("us-east-1 ListFunctions called %d times: a list that worked was read again", n)
	}
}

// onceFailing answers the first call of each key in fail with its error;
// for pageKey, the second call (the second page) instead.
func onceFailing(h awsstub.Handler, fail map[string]error, pageKey string) awsstub.Handler {
	var mu sync.Mutex
	seen := map[string]int{}
	return func(ctx context.Context, c awsstub.Call) (any, error) {
		key := c.Region + "/" + c.Service + "." + c.Operation
		mu.Lock()
		seen[key]++
		n := seen[key]
		mu.Unlock()
		if err := fail[key]; err != nil && (n == 1 && key != pageKey || n == 2 && key == pageKey) {
			_, _ = h(ctx, c) // counted as a call
			return nil, err
		}
		return h(ctx, c)
	}
}

func TestNoSecondPassPastTheBudget(t *testing.T) {
	acct := newFake()
	acct.fail = map[string]error{"eu-west-1/RDS.DescribeDBInstances": awsstub.APIError("Throttling", "Rate exceeded")}
	start := time.Now()
	inv, err := New(stubClients(acct.handle), resourcequery.Options{Budget: 200 * time.Millisecond, RetryPause: time.Minute}).Discover(context.Background(), resourcequery.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s: the pause outlasted the budget", d)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Code != "upstream_throttled" || inv.Errors[0].Region != "eu-west-1" {
		t.Errorf("errors %v, want the throttled list", inv.Errors)
	}
}

func TestDiscoverValidatesRequestedRegions(t *testing.T) {
	s := New(stubClients(newFake().handle), resourcequery.Options{})
	for _, tc := range []struct{ region, want string }{
		{"ap-east-1", `regions: region "ap-east-1" is not enabled for this account (not-opted-in); enabled regions: eu-west-1, us-east-1, us-west-2`},
		{"xx-nowhere-9", `regions: unknown region "xx-nowhere-9"; enabled regions: eu-west-1, us-east-1, us-west-2`},
	} {
		_, err := s.Discover(context.Background(), resourcequery.Query{Regions: []string{tc.region}})
		var ce *cloudscope.Error
		if !errors.As(err, &ce) || ce.Code != cloudscope.CodeInvalid || ce.Param != "regions" || ce.Message != tc.want {
			t.Errorf("%s: got %v, want invalid regions: %s", tc.region, err, tc.want)
		}
	}
}

func TestRegionLookupFailure(t *testing.T) {
	acct := newFake()
	acct.fail = map[string]error{"us-east-1/EC2.DescribeRegions": awsstub.APIError("AccessDenied", "no")}
	s := New(stubClients(acct.handle), resourcequery.Options{})
	if _, err := s.Discover(context.Background(), resourcequery.Query{}); cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
		t.Errorf("without regions: got %v, want an access-denied error", err)
	}
	// With named regions the scan goes on, unverified, and says so.
	inv, err := s.Discover(context.Background(), resourcequery.Query{Regions: []string{"us-east-1"}, Types: []cloudscope.ResourceType{cloudscope.EC2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Resources) != 12 || len(inv.Errors) != 1 || inv.Errors[0].Region != cloudscope.Global {
		t.Errorf("got %d resources and errors %v", len(inv.Resources), inv.Errors)
	}
}

func TestRegionsAreCached(t *testing.T) {
	var calls awsstub.Counter
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(stubClients(calls.Wrap(newFake().handle)), resourcequery.Options{RegionCacheTTL: time.Hour, Now: func() time.Time { return now }})
	for range 3 {
		regions, err := s.Regions(context.Background())
		if err != nil || len(regions) != 3 {
			t.Fatalf("regions %v, %v", regions, err)
		}
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Regions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := calls.Count("EC2.DescribeRegions"); n != 2 {
		t.Errorf("DescribeRegions called %d times, want 2 (once, then once after expiry)", n)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	var inFlight, peak atomic.Int32
	acct := newFake()
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		return acct.handle(ctx, c)
	}
	s := New(stubClients(h), resourcequery.Options{Concurrency: 3, EC2PageSize: 5})
	if _, err := s.Discover(context.Background(), resourcequery.Query{}); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak calls in flight %d, want 2..3 with a bound of 3", p)
	}
}

func TestDiscoverStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	acct := newFake()
	h := awsstub.Delay(20*time.Millisecond, func(ctx context.Context, c awsstub.Call) (any, error) {
		if calls.Add(1) == 5 {
			cancel()
		}
		return acct.handle(ctx, c)
	})
	s := New(stubClients(h), resourcequery.Options{Concurrency: 1, EC2PageSize: 5})
	start := time.Now()
	_, err := s.Discover(ctx, resourcequery.Query{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := calls.Load(); n > 6 {
		t.Errorf("%d calls made after cancellation began", n-5)
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %s to stop", time.Since(start))
	}
}

func TestParseLambdaTime(t *testing.T) {
	for _, s := range []string{"2026-01-02T03:04:05.000+0000", "2026-01-02T03:04:05Z", "2026-01-02T04:04:05.000+01:00"} {
		got, err := parseLambdaTime(s)
		if err != nil || !got.Equal(launched) {
			t.Errorf("%s: got %v, %v", s, got, err)
		}
	}
	if _, err := parseLambdaTime("yesterday"); err == nil {
		t.Error("parsed garbage")
	}
}

// TestIAMActionsMatchTheCalls holds IAMActions, from which the deployed
// policy and the README's list are made, to the calls discovery really makes.
func TestIAMActionsMatchTheCalls(t *testing.T) {
	called := map[string]bool{}
	var mu sync.Mutex
	acct := wasteFake()
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		prefix := strings.ToLower(c.Service)
		if strings.HasPrefix(c.Service, "Elastic Load Balancing") {
			prefix = "elasticloadbalancing" // both APIs, one IAM prefix
		}
		action := prefix + ":" + c.Operation
		if action == "s3:ListBuckets" {
			action = "s3:ListAllMyBuckets" // the one action named unlike its operation
		}
		mu.Lock()
		called[action] = true
		mu.Unlock()
		return acct.handle(ctx, c)
	}
	if _, err := New(stubClients(h), resourcequery.Options{}).Discover(context.Background(), resourcequery.Query{}); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(maps.Keys(called))
	if got := slices.Sorted(slices.Values(IAMActions)); !slices.Equal(got, want) {
		t.Errorf("IAMActions %v, calls made %v", got, want)
	}
	readme.RequireIAMActions(t, IAMActions)
}

func TestBudgetReturnsWhatWasRead(t *testing.T) {
	acct := newFake()
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		if c.Region == "us-west-2" && c.Service == "Lambda" {
			<-ctx.Done() // a region that never answers
			return nil, ctx.Err()
		}
		return acct.handle(ctx, c)
	}
	start := time.Now()
	inv, err := New(stubClients(h), resourcequery.Options{Budget: 200 * time.Millisecond}).Discover(context.Background(), resourcequery.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s with a budget of 200ms", d)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Region != "us-west-2" || inv.Errors[0].Service != "lambda" || inv.Errors[0].Code != "upstream_timeout" {
		t.Errorf("errors %v", inv.Errors)
	}
	if got := countByType(inv); got[cloudscope.EC2] != 36 || got[cloudscope.Lambda] != 240 {
		t.Errorf("what was read is not all there: %v", got)
	}
}

func TestTransitionTime(t *testing.T) {
	if got := transitionTime("User initiated (2026-01-02 03:04:05 GMT)"); got == nil || !got.Equal(launched) {
		t.Errorf("got %v", got)
	}
	if transitionTime("") != nil || transitionTime("Server.ScheduledStop") != nil {
		t.Error("a time from nothing")
	}
}
