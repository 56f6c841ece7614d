package accounts_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/organizationsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/services"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// TestMotoDelegatedAdministratorReadsTheManagementAccount runs an
// organization scan as the services build it, with the credentials of a
// member account (the delegated administrator) rather than the management
// account's: the management account's resources are read through its
// reader role, and the organization's costs through its cost role (Cost
// Explorer answers a member with its own spend alone: here, nothing).
func TestMotoDelegatedAdministratorReadsTheManagementAccount(t *testing.T) {
	ctx := context.Background()
	moto.Reset(t)
	var mu sync.Mutex
	var assumed []string // the roles the scanning identity assumed
	load := func(creds aws.CredentialsProvider, observe bool) *awsconf.Clients {
		opts := awsconf.Options{Region: "us-east-1", EndpointURL: moto.URL, Credentials: creds, MaxAttempts: 2, BaseBackoff: 10 * time.Millisecond}
		if observe {
			opts.APIOptions = []func(*middleware.Stack) error{awsstub.Observe(func(c awsstub.Call) {
				if in, ok := c.Input.(*sts.AssumeRoleInput); ok {
					mu.Lock()
					assumed = append(assumed, aws.ToString(in.RoleArn)+" as "+aws.ToString(in.RoleSessionName))
					mu.Unlock()
				}
			})}
		}
		cfg, err := sdkconfig.Load(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		return awsconf.NewClients(cfg)
	}
	mgmt := mototest.AccountID
	mgmtClients := load(mototest.Credentials(), false)
	org := organizationsclient.Home(mgmtClients)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	var admin, member string
	for i, id := range []*string{&admin, &member} {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprintf("acct-%d", i)),
			Email: aws.String(fmt.Sprintf("acct-%d@example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		*id = aws.ToString(out.CreateAccountStatus.AccountId)
	}
	// An account's credentials: moto gives a role's session the role's account.
	as := func(id string, observe bool) *awsconf.Clients {
		out, err := stsclient.Home(mgmtClients).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"),
			RoleSessionName: aws.String("seed")})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		return load(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), observe)
	}
	instances := map[string]string{}
	for id, c := range map[string]*awsconf.Clients{mgmt: mgmtClients, admin: as(admin, false), member: as(member, false)} {
		run, err := ec2client.In(c, "us-east-1").RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		instances[id] = aws.ToString(run.Instances[0].InstanceId)
	}
	// The organization's spend, by linked account, in the management
	// account's Cost Explorer (where moto keeps what it is given by default).
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var days []map[string]any
	for d := 30; d >= 1; d-- {
		var groups []map[string]any
		for i, id := range []string{mgmt, admin, member} {
			groups = append(groups, map[string]any{"Keys": []string{id}, "Metrics": map[string]any{
				"UnblendedCost": map[string]string{"Amount": fmt.Sprintf("%d.50", i+1), "Unit": "USD"}}})
		}
		days = append(days, map[string]any{"TimePeriod": map[string]string{"Start": today.AddDate(0, 0, -d).Format("2006-01-02"),
			"End": today.AddDate(0, 0, -d+1).Format("2006-01-02")}, "Total": map[string]any{}, "Groups": groups, "Estimated": false})
	}
	if err := demo.QueueCosts(ctx, mgmtClients, []map[string]any{{"ResultsByTime": days, "DimensionValueAttributes": []any{}}}); err != nil {
		t.Fatal(err)
	}

	// The scan, as the functions build it, with the delegated
	// administrator's credentials.
	scanner := as(admin, true)
	// The accounts by id: moto answers ListAccounts only to the management
	// account (AWS answers a delegated administrator too).
	conf, err := appconfig.From(func(k string) string {
		return map[string]string{appconfig.EnvAccounts: strings.Join([]string{mgmt, admin, member}, ","), appconfig.EnvRegions: "us-east-1",
			appconfig.EnvPercentiles: "off"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	engine := services.Engine(conf, scanner, store, store, services.Costs(conf, scanner, nil), nil, nil)
	if _, err := engine.Scan(ctx, "delegated-1", nil); err != nil {
		t.Fatal(err)
	}
	snap, err := store.Get(ctx, "delegated-1")
	if err != nil || snap == nil {
		t.Fatalf("stored: %v %v", snap, err)
	}
	read := map[string][]string{}
	for _, r := range snap.Resources {
		if r.Type == "ec2" {
			read[r.AccountID] = append(read[r.AccountID], r.ID)
		}
	}
	for id, instance := range instances {
		if !slices.Contains(read[id], instance) {
			t.Errorf("account %s: read %v, want its instance %s", id, read[id], instance)
		}
	}
	for _, f := range snap.Errors {
		if f.Code != accountset.CodeSkipped {
			t.Errorf("failure %+v", f)
		}
	}
	if snap.Outcome != cloudscope.OutcomeComplete {
		t.Errorf("outcome %s, want complete: every account read, the management account too", snap.Outcome)
	}
	// The costs are the organization's, read in the management account.
	if snap.Costs == nil || len(snap.Costs.Top) != 3 || snap.Costs.Total.String() != "225.00" { // 30 x (1.50 + 2.50 + 3.50)
		t.Fatalf("costs %+v, want the organization's three accounts, 225.00 in all", snap.Costs)
	}
	if top := snap.Costs.Top[0]; top.Key != member || top.Amount.String() != "105.00" {
		t.Errorf("top account %+v, want %s at 105.00", top, member)
	}
	// Through the management account's two roles, and only those of it.
	mu.Lock()
	roles := slices.Clone(assumed)
	mu.Unlock()
	// Sessions named after the scan.
	for _, want := range []string{"arn:aws:iam::" + mgmt + ":role/" + accountset.DefaultRole + " as cloudscope-delegated-1",
		"arn:aws:iam::" + mgmt + ":role/" + accounts.DefaultCostRole + " as cloudscope-delegated-1"} {
		if !slices.Contains(roles, want) {
			t.Errorf("assumed %v, want %s among them", roles, want)
		}
	}
	for _, r := range roles {
		if strings.Contains(r, ":"+admin+":") {
			t.Errorf("the scanning identity assumed a role in its own account: %s", r)
		}
	}
	// Its own Cost Explorer would have told it nothing of the organization.
	own, err := costs.ClientFrom(scanner).GetCostAndUsage(ctx, &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &cetypes.DateInterval{Start: aws.String(today.AddDate(0, 0, -30).Format("2006-01-02")), End: aws.String(today.Format("2006-01-02"))},
		Granularity: cetypes.GranularityDaily, Metrics: []string{"UnblendedCost"}})
	if err != nil || len(own.ResultsByTime) != 0 {
		t.Errorf("the delegated administrator's own Cost Explorer: %v %v, want no results", own, err)
	}
}
