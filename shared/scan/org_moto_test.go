package scan

import (
	"bytes"
	"context"
	"fmt"
	"slices"
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
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/testkit/faultproxy"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// TestMotoOrganization: a management account with three members, each
// with its own instance and bucket, made with credentials from AssumeRole
// into that member (the emulator keeps them apart); the third member's
// AssumeRole is refused in front of the emulator. The scan reports that
// member (access_denied) and reads the others completely, asks for costs
// once, grouped by linked account, and stores a snapshot whose every
// resource reads back with its account.
func TestMotoOrganization(t *testing.T) {
	ctx := context.Background()
	moto.Reset(t)
	proxy, err := faultproxy.Start(moto.URL, faultproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	load := func(creds aws.CredentialsProvider) *awsconf.Clients {
		cfg, err := sdkconfig.Load(ctx, awsconf.Options{Region: "us-east-1", EndpointURL: proxy.URL, Credentials: creds, MaxAttempts: 2, BaseBackoff: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return awsconf.NewClients(cfg)
	}
	mgmtClients := load(mototest.Credentials())
	org := organizationsclient.Home(mgmtClients)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	var members []string
	for i := range 3 {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprintf("member-%d", i)),
			Email: aws.String(fmt.Sprintf("member-%d@example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	refused := members[2]
	proxy.Refuse(func(service string, body []byte) bool {
		return service == "sts" && bytes.Contains(body, []byte("AssumeRole")) && bytes.Contains(body, []byte(refused))
	})

	// Each account's own instance (us-east-1), with its root volume, and bucket (eu-west-1).
	made := map[string][]string{} // account -> resource ids
	seed := func(account string, c *awsconf.Clients) {
		run, err := ec2client.In(c, "us-east-1").RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		bucket := "bucket-" + account
		if _, err := s3client.In(c, "eu-west-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
			t.Fatal(err)
		}
		made[account] = []string{aws.ToString(run.Instances[0].InstanceId), bucket}
		for _, m := range run.Instances[0].BlockDeviceMappings { // its root volume, an ebs resource too
			if m.Ebs != nil {
				made[account] = append(made[account], aws.ToString(m.Ebs.VolumeId))
			}
		}
	}
	mgmt := mototest.AccountID
	seed(mgmt, mgmtClients)
	for _, id := range members[:2] {
		out, err := stsclient.Home(mgmtClients).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + id + ":role/" + accountset.DefaultRole),
			RoleSessionName: aws.String("seed")})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		seed(id, load(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))))
	}

	// Costs by linked account, 30 days, queued for the one grouped query.
	today := time.Now().UTC()
	var days []map[string]any
	for d := 30; d >= 1; d-- {
		start := today.Truncate(24*time.Hour).AddDate(0, 0, -d)
		var groups []map[string]any
		for i, id := range append([]string{mgmt}, members...) {
			groups = append(groups, map[string]any{"Keys": []string{id}, "Metrics": map[string]any{
				"UnblendedCost": map[string]string{"Amount": fmt.Sprintf("%d.25", i+1), "Unit": "USD"}}})
		}
		days = append(days, map[string]any{"TimePeriod": map[string]string{"Start": start.Format("2006-01-02"), "End": start.AddDate(0, 0, 1).Format("2006-01-02")},
			"Total": map[string]any{}, "Groups": groups, "Estimated": false})
	}
	if err := demo.QueueCosts(ctx, mgmtClients, []map[string]any{{"ResultsByTime": days, "DimensionValueAttributes": []any{}}}); err != nil {
		t.Fatal(err)
	}

	setting, _ := accountset.Parse("org")
	parts := newPartStore()
	costSvc := costs.New(costs.ClientFrom(mgmtClients), costs.NewMemoryCache(time.Now), costquery.Options{})
	sc := New(Deps{Store: parts, Thresholds: bottleneck.Defaults})
	engine := NewEngine(EngineDeps{
		Accounts: accounts.New(setting, mgmtClients, stsclient.Home(mgmtClients), orgaccounts.New(org), accounts.Options{}),
		Discovery: func(c *awsconf.Clients) Discoverer {
			return discovery.New(discovery.ClientsFrom(c), resourcequery.Options{RetryPause: time.Millisecond})
		},
		Metrics: func(c *awsconf.Clients) Fetcher {
			return metrics.New(metrics.ClientsFrom(c), metricquery.Options{NoPercentiles: true})
		},
		Costs:      costSvc,
		Parts:      parts,
		Scanner:    sc,
		HomeRegion: "us-east-1",
	}, EngineOptions{Concurrency: 8, RetryPause: time.Millisecond})
	proxy.ResetStats()
	res, err := engine.Scan(ctx, "org-scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := parts.Get(ctx, "org-scan-1")
	if err != nil || snap == nil {
		t.Fatalf("stored: %v %v", snap, err)
	}
	t.Logf("%d shards, %d resources, %d AWS requests, calls %v", parts.total, len(snap.Resources), proxy.Stats().Requests, snap.Calls)
	if res.Snapshot.Outcome != cloudscope.OutcomePartial || snap.Outcome != cloudscope.OutcomePartial {
		t.Errorf("outcome %s, want partial", snap.Outcome)
	}
	var deniedFailures int
	for _, f := range snap.Errors {
		if f.AccountID == refused && f.Code == accountset.CodeDenied && f.Service == "sts" && f.Region == cloudscope.Global {
			deniedFailures++
			continue
		}
		t.Errorf("unexpected failure: %+v", f)
	}
	if deniedFailures != 1 {
		t.Errorf("the refused member is reported %d times, want once", deniedFailures)
	}
	// Every readable account complete: exactly its own resources, each
	// with its account; nothing of the refused member.
	got := map[string][]string{}
	for _, r := range snap.Resources {
		if r.AccountID == "" {
			t.Errorf("resource %s/%s without account", r.Type, r.ID)
		}
		got[r.AccountID] = append(got[r.AccountID], r.ID)
		if r.Type == cloudscope.S3 && r.Region != "eu-west-1" {
			t.Errorf("bucket %s filed under %s, want its own region eu-west-1", r.ID, r.Region)
		}
	}
	for account, ids := range made {
		slices.Sort(ids)
		slices.Sort(got[account])
		if !slices.Equal(got[account], ids) || snap.Counts.ByAccount[account] != len(ids) {
			t.Errorf("account %s: read %v (counted %d), want %v", account, got[account], snap.Counts.ByAccount[account], ids)
		}
	}
	if len(got[refused]) != 0 {
		t.Errorf("read resources of the refused member: %v", got[refused])
	}
	// Costs: one grouped query (one page), by linked account.
	if snap.Calls["ce:GetCostAndUsage"] != 1 || snap.Costs == nil || len(snap.Costs.Top) != 4 {
		t.Fatalf("costs: %d requests, %+v", snap.Calls["ce:GetCostAndUsage"], snap.Costs)
	}
	if top := snap.Costs.Top[0]; top.Key != refused || top.Amount.String() != "127.50" {
		t.Errorf("largest group %+v, want the member %s with 30 x 4.25 = 127.50", top, refused)
	}
	if snap.Costs.Total.String() != "330.00" { // 30 x (1.25 + 2.25 + 3.25 + 4.25)
		t.Errorf("total %s, want 330.00", snap.Costs.Total)
	}
	// Read back through the store's inventory read: every account's resources.
	var chunked int
	if err := parts.ResourceChunks(ctx, "org-scan-1", nil, func(rs []cloudscope.Resource) error {
		for _, r := range rs {
			if r.AccountID == "" {
				t.Errorf("stored resource without account: %+v", r)
			}
			chunked++
		}
		return nil
	}); err != nil || chunked != len(snap.Resources) {
		t.Errorf("stored read: %d resources, %v", chunked, err)
	}
}
