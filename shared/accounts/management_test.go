package accounts

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// TestCostClients: the costs of an organization are read with the
// caller's own clients in the management account, and through the cost
// role of the management account from any other (a delegated
// administrator), which is assumed once; one account alone never asks
// the organization.
func TestCostClients(t *testing.T) {
	const admin = "555555555555"
	type seen struct {
		describes int
		roles     []string
	}
	build := func(setting, caller string, management func() (*organizations.DescribeOrganizationOutput, error)) (*Members, *seen) {
		var mu sync.Mutex
		s := &seen{}
		base := awsstub.Clients(func(_ context.Context, c awsstub.Call) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			switch in := c.Input.(type) {
			case *sts.GetCallerIdentityInput:
				return &sts.GetCallerIdentityOutput{Account: aws.String(caller), Arn: aws.String("arn:aws:sts::" + caller + ":assumed-role/scan/x")}, nil
			case *organizations.DescribeOrganizationInput:
				s.describes++
				return management()
			case *sts.AssumeRoleInput:
				s.roles = append(s.roles, aws.ToString(in.RoleArn))
				if strings.Contains(aws.ToString(in.RoleArn), ":role/refused") {
					return nil, awsstub.APIError("AccessDenied", "not authorized to perform sts:AssumeRole")
				}
				return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{AccessKeyId: aws.String("a"), SecretAccessKey: aws.String("s"),
					SessionToken: aws.String("t"), Expiration: aws.Time(time.Now().Add(time.Hour))}}, nil
			}
			return nil, awsstub.APIError("UnknownOperation", c.Operation)
		})
		set, err := accountset.Parse(setting)
		if err != nil {
			t.Fatal(err)
		}
		return New(set, base, stsclient.Home(base), orgaccounts.Of(base), Options{}), s
	}
	inOrg := func() (*organizations.DescribeOrganizationOutput, error) {
		return &organizations.DescribeOrganizationOutput{Organization: &orgtypes.Organization{MasterAccountId: aws.String(mgmt)}}, nil
	}
	ctx := context.Background()

	m, s := build("org", mgmt, inOrg)
	if c, err := m.CostClients(ctx); err != nil || c != m.base || len(s.roles) != 0 {
		t.Errorf("the management account: %v %v, roles %v; want its own clients", c, err, s.roles)
	}

	m, s = build("org", admin, inOrg)
	for range 3 {
		c, err := m.CostClients(ctx)
		if err != nil || c == nil || c == m.base {
			t.Fatalf("a delegated administrator: %v %v; want the cost role's clients", c, err)
		}
	}
	if want := "arn:aws:iam::" + mgmt + ":role/" + DefaultCostRole; len(s.roles) != 1 || s.roles[0] != want || s.describes != 1 {
		t.Errorf("assumed %v after %d DescribeOrganization; want %s once, the organization asked once", s.roles, s.describes, want)
	}
	if id, err := m.Management(ctx); err != nil || id != mgmt {
		t.Errorf("Management: %s %v", id, err)
	}

	m, s = build("self", admin, inOrg)
	if c, err := m.CostClients(ctx); err != nil || c != m.base || s.describes != 0 || len(s.roles) != 0 {
		t.Errorf("one account: %v %v, %d DescribeOrganization, roles %v; want its own clients, nothing asked", c, err, s.describes, s.roles)
	}

	m, _ = build("111111111111", admin, func() (*organizations.DescribeOrganizationOutput, error) {
		return nil, awsstub.APIError("AWSOrganizationsNotInUseException", "not in an organization")
	})
	if c, err := m.CostClients(ctx); err != nil || c != m.base {
		t.Errorf("no organization: %v %v; want the caller's own clients", c, err)
	}

	// A cost role that refuses: access denied, naming the account and the stack to deploy.
	m, _ = build("org", admin, inOrg)
	m.opts.CostRole = "refused"
	_, err := m.CostClients(ctx)
	if cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied || !strings.Contains(err.Error(), mgmt) || !strings.Contains(err.Error(), "CloudscopeManagement") {
		t.Errorf("refused: %v", err)
	}
}
