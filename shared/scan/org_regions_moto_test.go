package scan

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/organizationsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/testkit/faultproxy"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// motoOrg is an organization in the emulator, behind a fault proxy: the
// management account and n members, each member reached with credentials
// from AssumeRole into its reader role.
type motoOrg struct {
	proxy   *faultproxy.Proxy
	mgmt    *awsconf.Clients
	members []string
	load    func(aws.CredentialsProvider) *awsconf.Clients
}

func newMotoOrg(t *testing.T, n int) *motoOrg {
	t.Helper()
	ctx := context.Background()
	moto.Reset(t)
	proxy, err := faultproxy.Start(moto.URL, faultproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	o := &motoOrg{proxy: proxy}
	o.load = func(creds aws.CredentialsProvider) *awsconf.Clients {
		cfg, err := sdkconfig.Load(ctx, awsconf.Options{Region: "us-east-1", EndpointURL: proxy.URL, Credentials: creds, MaxAttempts: 2, BaseBackoff: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return awsconf.NewClients(cfg)
	}
	o.mgmt = o.load(mototest.Credentials())
	org := organizationsclient.Home(o.mgmt)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprintf("member-%d", i)),
			Email: aws.String(fmt.Sprintf("member-%d@example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		o.members = append(o.members, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	return o
}

// clients are account id's clients, for seeding.
func (o *motoOrg) clients(t *testing.T, id string) *awsconf.Clients {
	t.Helper()
	if id == mototest.AccountID {
		return o.mgmt
	}
	out, err := stsclient.Home(o.mgmt).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + id + ":role/" + accountset.DefaultRole),
		RoleSessionName: aws.String("seed")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return o.load(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
}

// seedRegion makes an instance (with its root volume) and a bucket of
// account c in region, and returns their ids.
func seedRegion(t *testing.T, c *awsconf.Clients, account, region string) []string {
	t.Helper()
	ctx := context.Background()
	run, err := ec2client.In(c, region).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{aws.ToString(run.Instances[0].InstanceId)}
	for _, m := range run.Instances[0].BlockDeviceMappings {
		if m.Ebs != nil {
			ids = append(ids, aws.ToString(m.Ebs.VolumeId))
		}
	}
	bucket := "bucket-" + account + "-" + region
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := s3client.In(c, region).CreateBucket(ctx, in); err != nil {
		t.Fatal(err)
	}
	return append(ids, bucket)
}

// keyRecorder is the management account's STS client, noting which access
// key each member's role credentials carry (so that the proxy can refuse
// one member's calls in one region, as that member's SCP would).
type keyRecorder struct {
	accounts.STSAPI
	mu   sync.Mutex
	keys map[string]string // access key id -> account
	// throttle, when set, answers a member's AssumeRole with Throttling
	// while it returns true.
	throttle func(account string) bool
}

func (k *keyRecorder) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	account := aws.ToString(in.RoleArn)[len("arn:aws:iam::"):][:12]
	if k.throttle != nil && k.throttle(account) {
		return nil, throttled()
	}
	out, err := k.STSAPI.AssumeRole(ctx, in, optFns...)
	if err == nil {
		k.mu.Lock()
		k.keys[aws.ToString(out.Credentials.AccessKeyId)] = account
		k.mu.Unlock()
	}
	return out, err
}

func (k *keyRecorder) account(key string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys[key]
}

// engine is the engine of a scan of the whole organization over parts.
func (o *motoOrg) engine(stsAPI accounts.STSAPI, parts *partStore, regions resourcequery.RegionFilter) *Engine {
	setting, _ := accountset.Parse("org")
	return NewEngine(EngineDeps{
		Accounts: accounts.New(setting, o.mgmt, stsAPI, orgaccounts.Of(o.mgmt), accounts.Options{}),
		Discovery: func(c *awsconf.Clients) Discoverer {
			return discovery.New(discovery.ClientsFrom(c), resourcequery.Options{RetryPause: time.Millisecond, Regions: regions})
		},
		Metrics: func(c *awsconf.Clients) Fetcher {
			return metrics.New(metrics.ClientsFrom(c), metricquery.Options{NoPercentiles: true})
		},
		Parts:      parts,
		Scanner:    New(Deps{Store: parts, Thresholds: bottleneck.Defaults}),
		HomeRegion: "us-east-1",
	}, EngineOptions{Concurrency: 8, RetryPause: time.Millisecond, Regions: regions})
}

// TestMotoOrganizationRegions: an organization scan limited to two regions
// reads exactly those of every account (instances, volumes and buckets of
// us-east-1 are left alone, and said so once), and a region one member's
// policy denies is reported for that member, not fatal: every other
// account-region is read whole, and the scan is partial for that reason
// alone.
func TestMotoOrganizationRegions(t *testing.T) {
	ctx := context.Background()
	o := newMotoOrg(t, 2)
	all := append([]string{mototest.AccountID}, o.members...)
	denying := o.members[1]
	want := map[string][]string{}
	for _, id := range all {
		c := o.clients(t, id)
		west, central := seedRegion(t, c, id, "eu-west-1"), seedRegion(t, c, id, "eu-central-1")
		seedRegion(t, c, id, "us-east-1") // outside the scan's regions
		want[id] = append(west, central...)
		if id == denying {
			// Its eu-central-1 is not read: the instance and volume there
			// are missing; its bucket there is not (the bucket list is global).
			want[id] = append(west, central[len(central)-1])
		}
	}
	keys := &keyRecorder{STSAPI: stsclient.Home(o.mgmt), keys: map[string]string{}}
	o.proxy.RefuseWhere(func(r faultproxy.Request) bool {
		return r.Region == "eu-central-1" && keys.account(r.AccessKey) == denying
	})

	regions, err := resourcequery.ParseRegionFilter("eu-west-1, eu-central-1", "")
	if err != nil {
		t.Fatal(err)
	}
	parts := newPartStore()
	if _, err := o.engine(keys, parts, regions).Scan(ctx, "org-regions-1", nil); err != nil {
		t.Fatal(err)
	}
	snap, err := parts.Get(ctx, "org-regions-1")
	if err != nil || snap == nil {
		t.Fatalf("stored: %v %v", snap, err)
	}
	if !slices.Equal(snap.Regions, []string{"eu-central-1", "eu-west-1"}) {
		t.Errorf("regions read %v, want exactly eu-central-1 and eu-west-1", snap.Regions)
	}
	got := map[string][]string{}
	for _, r := range snap.Resources {
		got[r.AccountID] = append(got[r.AccountID], r.ID)
		if r.Region != "eu-west-1" && r.Region != "eu-central-1" {
			t.Errorf("%s %s of %s read in %s, outside the scan's regions", r.Type, r.ID, r.AccountID, r.Region)
		}
	}
	for _, id := range all {
		slices.Sort(want[id])
		slices.Sort(got[id])
		if !slices.Equal(got[id], want[id]) {
			t.Errorf("account %s: read %v, want %v", id, got[id], want[id])
		}
	}
	// The denied region: its failures name that member and region and
	// nothing else; the regions left out are said once each, skipped.
	var denied, outside int
	for _, f := range snap.Errors {
		switch {
		case f.AccountID == denying && f.Region == "eu-central-1" && f.Code == string(cloudscope.CodeAccessDenied):
			denied++
		case f.AccountID == "" && f.Code == accountset.CodeSkipped && f.Service == "ec2":
			if f.Region == "eu-west-1" || f.Region == "eu-central-1" {
				t.Errorf("a region of the scan said left out: %+v", f)
			}
			outside++
		default:
			t.Errorf("unexpected failure: %+v", f)
		}
	}
	if denied == 0 || outside == 0 {
		t.Errorf("%d failures of the denied region, %d regions said left out; want both", denied, outside)
	}
	if snap.Outcome != cloudscope.OutcomePartial {
		t.Errorf("outcome %s, want partial (the denied region)", snap.Outcome)
	}
	t.Logf("%d shards, %d resources, %d failures of the denied region, %d regions left out", parts.total, len(snap.Resources), denied, outside)
}

func TestRegionFilterSelect(t *testing.T) {
	enabled := []string{"eu-central-1", "eu-west-1", "us-east-1", "us-west-2"}
	for _, c := range []struct {
		name, only, skip             string
		read, notEnabled, out, skip2 []string
	}{
		{name: "none", read: enabled},
		{name: "only", only: "eu-west-1,eu-central-1,ap-east-1", read: []string{"eu-central-1", "eu-west-1"}, notEnabled: []string{"ap-east-1"},
			out: []string{"us-east-1", "us-west-2"}},
		{name: "skip", skip: "us-west-2", read: []string{"eu-central-1", "eu-west-1", "us-east-1"}, skip2: []string{"us-west-2"}},
		{name: "both", only: "eu-west-1,us-west-2", skip: "us-west-2", read: []string{"eu-west-1"}, out: []string{"eu-central-1", "us-east-1"},
			skip2: []string{"us-west-2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := resourcequery.ParseRegionFilter(c.only, c.skip)
			if err != nil {
				t.Fatal(err)
			}
			s := f.Select(enabled)
			if !slices.Equal(s.Read, c.read) || !slices.Equal(s.NotEnabled, c.notEnabled) || !slices.Equal(s.Outside, c.out) || !slices.Equal(s.Skipped, c.skip2) {
				t.Errorf("%+v", s)
			}
		})
	}
	for _, bad := range [][2]string{{"eu-west-1,not a region", ""}, {"", "EU"}, {"eu-west-1", "eu-west-1"}} {
		if _, err := resourcequery.ParseRegionFilter(bad[0], bad[1]); err == nil {
			t.Errorf("%q less %q: accepted", bad[0], bad[1])
		}
	}
}

// throttled is STS's answer to too many AssumeRole calls (the query
// protocol's Throttling code, as the fault proxy sends it).
func throttled() error {
	return &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded", Fault: smithy.FaultClient}
}

// TestMotoPlanThrottledAssumeRole: a member's AssumeRole throttled while
// the plan lists its regions. Throttled twice, the plan's retries get past
// it and the member is read whole (complete); throttled throughout, the
// member is one failure, not read, and the scan is partial: never a guess
// at one region, never complete with regions missing.
func TestMotoPlanThrottledAssumeRole(t *testing.T) {
	ctx := context.Background()
	o := newMotoOrg(t, 2)
	all := append([]string{mototest.AccountID}, o.members...)
	want := map[string][]string{}
	for _, id := range all {
		c := o.clients(t, id)
		want[id] = append(seedRegion(t, c, id, "eu-west-1"), seedRegion(t, c, id, "us-east-1")...)
	}
	regions, _ := resourcequery.ParseRegionFilter("eu-west-1,us-east-1", "")
	throttledMember := o.members[0]
	for _, c := range []struct {
		name      string
		throttles int // AssumeRole calls of the member answered Throttling
		read      bool
	}{
		{"passing", 2, true},
		{"lasting", 1 << 30, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			keys := &keyRecorder{STSAPI: stsclient.Home(o.mgmt), keys: map[string]string{}, throttle: func(account string) bool {
				mu.Lock()
				defer mu.Unlock()
				if account != throttledMember {
					return false
				}
				calls++
				return calls <= c.throttles
			}}
			parts := newPartStore()
			id := "org-throttled-" + c.name
			if _, err := o.engine(keys, parts, regions).Scan(ctx, id, nil); err != nil {
				t.Fatal(err)
			}
			snap, err := parts.Get(ctx, id)
			if err != nil || snap == nil {
				t.Fatalf("stored: %v %v", snap, err)
			}
			got := map[string][]string{}
			for _, r := range snap.Resources {
				got[r.AccountID] = append(got[r.AccountID], r.ID)
			}
			for _, account := range all {
				w := want[account]
				if account == throttledMember && !c.read {
					w = nil
				}
				slices.Sort(w)
				slices.Sort(got[account])
				if !slices.Equal(got[account], w) {
					t.Errorf("account %s: read %v, want %v", account, got[account], w)
				}
			}
			var notRead int
			for _, f := range snap.Errors {
				if f.AccountID == throttledMember && f.Code == string(cloudscope.CodeThrottled) && f.Region == cloudscope.Global {
					notRead++
					continue
				}
				if f.Code != accountset.CodeSkipped {
					t.Errorf("unexpected failure: %+v", f)
				}
			}
			wantOutcome, wantNotRead := cloudscope.OutcomeComplete, 0
			if !c.read {
				wantOutcome, wantNotRead = cloudscope.OutcomePartial, 1
			}
			if snap.Outcome != wantOutcome || notRead != wantNotRead {
				t.Errorf("outcome %s with %d failures of the member; want %s with %d", snap.Outcome, notRead, wantOutcome, wantNotRead)
			}
			mu.Lock()
			t.Logf("%s: the member's AssumeRole called %d times; %d shards", c.name, calls, parts.total)
			if !c.read && calls != 4 {
				t.Errorf("AssumeRole of the throttled member called %d times, want 4 (the plan's attempts), no shard trying again", calls)
			}
			mu.Unlock()
		})
	}
}
