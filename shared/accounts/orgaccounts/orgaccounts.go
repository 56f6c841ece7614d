// Package orgaccounts asks AWS Organizations what shared/accounts needs of
// it (accounts.Organization): the organization's accounts, all or under
// some OUs, and its management account. Only a function that lists the
// organization, or reads its costs, links it.
package orgaccounts

import (
	"context"
	"errors"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/organizationsclient"
	"github.com/cloudscope/cloudscope/shared/awserr"
)

// API is the part of the Organizations client this package calls.
type API interface {
	DescribeOrganization(ctx context.Context, in *organizations.DescribeOrganizationInput, optFns ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	organizations.ListAccountsAPIClient
	organizations.ListAccountsForParentAPIClient
	organizations.ListOrganizationalUnitsForParentAPIClient
}

// Organization answers through an Organizations client.
type Organization struct{ api API }

// New asks api.
func New(api API) *Organization { return &Organization{api: api} }

// Of asks the Organizations client of clients.
func Of(clients *awsconf.Clients) *Organization { return New(organizationsclient.Home(clients)) }

// ListAccounts lists every account of the organization (every page).
func (o *Organization) ListAccounts(ctx context.Context) ([]accountset.Account, error) {
	var found []accountset.Account
	p := organizations.NewListAccountsPaginator(o.api, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, awserr.Wrap(err, "organizations ListAccounts")
		}
		found = appendAccounts(found, out.Accounts)
	}
	return found, nil
}

// ListAccountsUnder lists the accounts of the OUs and of every unit below them.
func (o *Organization) ListAccountsUnder(ctx context.Context, ous []string) ([]accountset.Account, error) {
	var found []accountset.Account
	queue := slices.Clone(ous)
	seen := map[string]bool{}
	for len(queue) > 0 {
		ou := queue[0]
		queue = queue[1:]
		if seen[ou] {
			continue
		}
		seen[ou] = true
		p := organizations.NewListAccountsForParentPaginator(o.api, &organizations.ListAccountsForParentInput{ParentId: aws.String(ou)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, awserr.Wrap(err, "organizations ListAccountsForParent "+ou)
			}
			found = appendAccounts(found, out.Accounts)
		}
		c := organizations.NewListOrganizationalUnitsForParentPaginator(o.api, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(ou)})
		for c.HasMorePages() {
			out, err := c.NextPage(ctx)
			if err != nil {
				return nil, awserr.Wrap(err, "organizations ListOrganizationalUnitsForParent "+ou)
			}
			for _, u := range out.OrganizationalUnits {
				queue = append(queue, aws.ToString(u.Id))
			}
		}
	}
	return found, nil
}

// ManagementAccount is the organization's management account
// (organizations:DescribeOrganization); inOrg is false when the caller is
// in no organization.
func (o *Organization) ManagementAccount(ctx context.Context) (id string, inOrg bool, err error) {
	out, err := o.api.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	switch {
	case err != nil && awserr.Code(err) == "AWSOrganizationsNotInUseException":
		return "", false, nil
	case err != nil:
		return "", false, awserr.Wrap(err, "organizations DescribeOrganization")
	case out.Organization == nil || aws.ToString(out.Organization.MasterAccountId) == "":
		return "", false, errors.New("organizations DescribeOrganization named no management account")
	}
	return aws.ToString(out.Organization.MasterAccountId), true, nil
}

// appendAccounts adds Organizations' accounts, with their state (or, from
// an older answer without State, their Status).
func appendAccounts(to []accountset.Account, as []orgtypes.Account) []accountset.Account {
	for _, a := range as {
		state := string(a.State)
		if state == "" {
			state = string(a.Status)
		}
		to = append(to, accountset.Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), State: state})
	}
	return to
}
