package main

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cloudscope/cloudscope/shared/accounts"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/costs"
)

// The management stack: deployed by a delegated administrator, cloudscope
// reads the management account through two roles that this small stack,
// deployed in the management account itself, creates (a StackSet never
// deploys to the management account, and Cost Explorer answers a member
// account with its own spend alone: no service can be delegated the
// organization's costs).
//
//   - the reader role, named as the members' (cloudscope:memberRole), with
//     the member role's policy (MemberRolePolicy), trusted by the plan,
//     shard and metrics roles: the scan reads the management account as it
//     reads a member;
//   - the cost role (accounts.DefaultCostRole), which may read Cost
//     Explorer and nothing else (costs.IAMActions), trusted by the roles of
//     the functions that read the organization's costs.
//
// Each trusts only the role ARNs it is given (the main stack's outputs
// ManagementReaderTrustedRoles and ManagementCostReaderTrustedRoles), and
// only while they belong to the organization (aws:PrincipalOrgID).

// ManagementStackName is the management stack's name in the CDK app.
const ManagementStackName = "CloudscopeManagement"

// The management stack's parameters, and the main stack's outputs that fill them.
const (
	paramReaderTrusted = "ReaderTrustedRoles"
	paramCostTrusted   = "CostReaderTrustedRoles"
	outReaderTrusted   = "ManagementReaderTrustedRoles"
	outCostTrusted     = "ManagementCostReaderTrustedRoles"
)

// CostRoleActions are what the management account's cost role may do.
func CostRoleActions() []string { return appconfig.Union(costs.IAMActions) }

// readsOrganizationCosts reports whether function m reads Cost Explorer
// for the accounts setting (with a setting other than self, the
// organization's costs, in the management account).
func readsOrganizationCosts(m appconfig.Manifest) bool {
	return slices.Contains(m.Grants.Account, "ce:GetCostAndUsage") && slices.Contains(m.Reads(), appconfig.EnvAccounts)
}

// costRoleGrant is what a function that reads the organization's costs
// may do besides reading Cost Explorer and finding the management account
// (accounts.ManagementIAMActions, among its account reads): deployed by a
// delegated administrator, assume the management account's cost role, only
// in the organization.
func costRoleGrant(scope constructs.Construct, role awsiam.IRole, s Settings) {
	if !s.Organization.DelegatedAdmin {
		return
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("AssumeCostRole"), Actions: jsii.Strings(assumeRoleActions...),
		Resources: &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), awscdk.Stack_Of(scope).Partition(),
			jsii.String(":iam::" + s.Organization.ManagementAccount + ":role/" + accounts.DefaultCostRole)})},
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": s.Organization.OrgID}},
	}))
}

// managementOutputs are the role ARNs the management stack's two roles
// trust, for its parameters.
func managementOutputs(scope constructs.Construct, readers []awsiam.IRole, fns *Compute, s Settings) {
	arns := func(roles []awsiam.IRole) *string {
		out := make([]*string, len(roles))
		for i, r := range roles {
			out[i] = r.RoleArn()
		}
		return awscdk.Fn_Join(jsii.String(","), &out)
	}
	var costReaders []awsiam.IRole
	for _, m := range s.Deployed() {
		if readsOrganizationCosts(m) {
			costReaders = append(costReaders, fns.ByName[m.Name].Role())
		}
	}
	stack := awscdk.Stack_Of(scope)
	awscdk.NewCfnOutput(stack, jsii.String(outReaderTrusted), &awscdk.CfnOutputProps{Value: arns(readers),
		Description: jsii.String("The roles the management account's reader role trusts: the " + ManagementStackName + " stack's " + paramReaderTrusted)})
	awscdk.NewCfnOutput(stack, jsii.String(outCostTrusted), &awscdk.CfnOutputProps{Value: arns(costReaders),
		Description: jsii.String("The roles the management account's cost role trusts: the " + ManagementStackName + " stack's " + paramCostTrusted)})
}

// NewManagementStack builds the management stack for settings s (a
// delegated administrator's scan of the organization): make synth writes
// it to cdk.out/CloudscopeManagement.template.json, deployed with the
// management account's credentials after the main stack (README,
// Organizations; make deploy-management).
func NewManagementStack(scope constructs.Construct, id string, props *StackProps) awscdk.Stack {
	s := props.Settings.Organization
	sp := props.StackProps
	// Deployed with aws cloudformation deploy, without a CDK bootstrap in
	// the management account: no bootstrap version parameter or rule.
	sp.Synthesizer = awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{GenerateBootstrapVersionRule: jsii.Bool(false)})
	sp.Description = jsii.String("cloudscope: the roles through which a cloudscope deployed in a delegated administrator account reads the management account and the organization's costs")
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	param := func(name, what string) awscdk.CfnParameter {
		return awscdk.NewCfnParameter(stack, jsii.String(name), &awscdk.CfnParameterProps{
			Type: jsii.String("CommaDelimitedList"), Description: jsii.String(what),
		})
	}
	readers := param(paramReaderTrusted, "The cloudscope roles that may assume the reader role (the main stack's output "+outReaderTrusted+")")
	costReaders := param(paramCostTrusted, "The cloudscope roles that may assume the cost role (the main stack's output "+outCostTrusted+")")
	trust := func(p awscdk.CfnParameter) map[string]any {
		return map[string]any{
			"Version": "2012-10-17",
			"Statement": []map[string]any{{
				"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"AWS": p.ValueAsList()},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": s.OrgID}},
			}},
		}
	}
	reader := awsiam.NewCfnRole(stack, jsii.String("ReaderRole"), &awsiam.CfnRoleProps{
		RoleName:                 jsii.String(s.MemberRole),
		Description:              jsii.String("cloudscope: reads the management account for the organization's scan, as the member role reads a member; nothing else"),
		MaxSessionDuration:       jsii.Number(accounts.SessionDuration.Seconds()),
		AssumeRolePolicyDocument: trust(readers),
		Policies:                 &[]any{&awsiam.CfnRole_PolicyProperty{PolicyName: jsii.String("cloudscope-read"), PolicyDocument: MemberRolePolicy()}},
	})
	cost := awsiam.NewCfnRole(stack, jsii.String("CostReaderRole"), &awsiam.CfnRoleProps{
		RoleName:                 jsii.String(accounts.DefaultCostRole),
		Description:              jsii.String("cloudscope: reads the organization's costs in Cost Explorer; nothing else"),
		MaxSessionDuration:       jsii.Number(accounts.SessionDuration.Seconds()),
		AssumeRolePolicyDocument: trust(costReaders),
		Policies: &[]any{&awsiam.CfnRole_PolicyProperty{PolicyName: jsii.String("cloudscope-costs"), PolicyDocument: map[string]any{
			"Version": "2012-10-17",
			"Statement": []map[string]any{{
				"Sid": "CloudscopeCostRead", "Effect": "Allow", "Action": CostRoleActions(), "Resource": "*",
			}},
		}}},
	})
	awscdk.NewCfnOutput(stack, jsii.String("ReaderRoleArn"), &awscdk.CfnOutputProps{Value: reader.AttrArn()})
	awscdk.NewCfnOutput(stack, jsii.String("CostReaderRoleArn"), &awscdk.CfnOutputProps{Value: cost.AttrArn()})

	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	for _, r := range []awsiam.CfnRole{reader, cost} {
		cdknag.NagSuppressions_AddResourceSuppressions(r, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Describe/List, GetMetricData and Cost Explorer's GetCostAndUsage and GetCostForecast of the account " +
				"support no resource-level permissions: every action is a read (" + strings.Join(CostRoleActions(), ", ") + " for the cost role)."),
			AppliesTo: &[]any{"Resource::*"},
		}}, jsii.Bool(true))
	}
	return stack
}
