package accounts

import (
	"context"

	"github.com/cloudscope/cloudscope/shared/awsconf"
)

// DefaultCostRole is the role in the organization's management account
// through which a scan run from another account (a delegated
// administrator) reads the organization's costs: Cost Explorer answers a
// member account with its own spend alone, and no service can be
// delegated the organization's. The management stack (infra) deploys it.
const DefaultCostRole = "cloudscope-cost-reader"

// ManagementIAMActions are what finding the organization's management
// account calls (any account of the organization may).
var ManagementIAMActions = []string{"organizations:DescribeOrganization"}

// Management is the organization's management account (asked once of
// organizations:DescribeOrganization): the caller's own account when it is
// in no organization.
func (m *Members) Management(ctx context.Context) (string, error) {
	m.mu.Lock()
	id := m.management
	m.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if m.org == nil {
		return "", errNoOrganization
	}
	id, inOrg, err := m.org.ManagementAccount(ctx)
	switch {
	case err != nil:
		return "", err
	case !inOrg:
		if id, _, err = m.Caller(ctx); err != nil {
			return "", err
		}
	}
	m.mu.Lock()
	m.management = id
	m.mu.Unlock()
	return id, nil
}

// CostRoleARN is the cost role's ARN in account id.
func (m *Members) CostRoleARN(partition, id string) string {
	return "arn:" + partition + ":iam::" + id + ":role/" + m.opts.CostRole
}

// CostClients returns the clients that read the costs of the accounts of
// the setting: the caller's own for self and when the caller is the
// management account; otherwise (a delegated administrator) clients signed
// with the cost role's credentials in the management account, assumed once
// and renewed as a member's are. A refusal is a cloudscope error with
// CodeAccessDenied naming the role and the account.
func (m *Members) CostClients(ctx context.Context) (*awsconf.Clients, error) {
	if m.setting.Self() {
		return m.base, nil
	}
	caller, partition, err := m.Caller(ctx)
	if err != nil {
		return nil, err
	}
	mgmt, err := m.Management(ctx)
	if err != nil {
		return nil, err
	}
	if mgmt == caller {
		return m.base, nil
	}
	session := m.session(ctx)
	return m.assume(ctx, session+"/costs/"+mgmt, m.CostRoleARN(partition, mgmt), session,
		"sts AssumeRole of "+m.opts.CostRole+" in the management account "+mgmt+
			" (the organization's costs are read there: deploy the CloudscopeManagement stack in it)")
}
