package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/breaker"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// OrganizationsIAMActions are what listing the organization's accounts
// (all, or under OUs) calls; AssumeRoleIAMActions what reaching a member
// through its role calls.
var (
	OrganizationsIAMActions = []string{
		"organizations:ListAccounts",
		"organizations:ListAccountsForParent",
		"organizations:ListOrganizationalUnitsForParent",
	}
	AssumeRoleIAMActions = []string{"sts:AssumeRole"}
)

// IAMActions are the calls this package makes from the scanning account:
// who the caller is, the organization's accounts, and the member role.
// (The member role itself grants the read actions of discovery and
// metrics; see the infrastructure's StackSet.)
var IAMActions = slices.Concat(OrganizationsIAMActions, ManagementIAMActions, AssumeRoleIAMActions, []string{"sts:GetCallerIdentity"})

// Organization is what Members asks of AWS Organizations: the accounts of
// the whole organization, those under some OUs (and every unit below them),
// and its management account (inOrg false when the caller is in no
// organization). shared/accounts/orgaccounts asks it of the Organizations
// client; a function that reaches members but lists no organization passes
// nil, and links no Organizations client.
type Organization interface {
	ListAccounts(ctx context.Context) ([]accountset.Account, error)
	ListAccountsUnder(ctx context.Context, ous []string) ([]accountset.Account, error)
	ManagementAccount(ctx context.Context) (id string, inOrg bool, err error)
}

// errNoOrganization is what asking a nil Organization answers.
var errNoOrganization = errors.New("this function lists no organization: it has no Organizations client")

// STSAPI is the part of the STS client this package calls.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	stscreds.AssumeRoleAPIClient
}

// ActiveState is Organizations' state of an account that is read.
const ActiveState = accountset.ActiveState

// Options tune Members.
type Options struct {
	// Role is the member role's name (default DefaultRole).
	Role string
	// ExpiryWindow is how long before they expire the member credentials
	// are renewed (default 5 minutes): a call never starts with
	// credentials about to lapse.
	ExpiryWindow time.Duration
	// SessionName names the role sessions in the members' CloudTrail (default cloudscope).
	SessionName string
	// FailureTTL is how long a member that refused the scan (its role
	// missing or not trusting it) is remembered as refusing (default 5
	// minutes): a warm process tries again after it, so that a role fixed
	// meanwhile is read. Passing troubles are never remembered.
	FailureTTL time.Duration
	// CostRole is the cost role's name in the management account (default
	// DefaultCostRole), assumed by CostClients when the caller is not the
	// management account.
	CostRole string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Members resolves the setting and hands out AWS clients per account: the
// caller's own for its own account, and for a member, clients signed with
// the member role's credentials, assumed once and cached (renewed before
// expiry). It is safe for concurrent use; build one per process.
type Members struct {
	setting accountset.Setting
	base    *awsconf.Clients
	sts     STSAPI
	org     Organization
	opts    Options

	mu         sync.Mutex
	caller     *sts.GetCallerIdentityOutput
	management string // the organization's management account, once known
	members    map[string]*member

	selfOnce sync.Once
	self     *awsconf.Clients
}

// member is one member account's clients, built once.
type member struct {
	once    sync.Once
	clients *awsconf.Clients
	err     error
	// forgetAt is when a refusal stops being remembered (under Members.mu).
	forgetAt time.Time
}

// New returns the accounts of setting, reached from base (the caller's
// clients) through stsAPI and org (nil: none, for a function that only
// reaches accounts by id).
func New(setting accountset.Setting, base *awsconf.Clients, stsAPI STSAPI, org Organization, opts Options) *Members {
	if opts.Role == "" {
		opts.Role = accountset.DefaultRole
	}
	if opts.ExpiryWindow <= 0 {
		opts.ExpiryWindow = 5 * time.Minute
	}
	if opts.SessionName == "" {
		opts.SessionName = "cloudscope"
	}
	if opts.FailureTTL <= 0 {
		opts.FailureTTL = 5 * time.Minute
	}
	if opts.CostRole == "" {
		opts.CostRole = DefaultCostRole
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Members{setting: setting, base: base, sts: stsAPI, org: org, opts: opts, members: map[string]*member{}}
}

// Setting is the setting the accounts come from.
func (m *Members) Setting() accountset.Setting { return m.setting }

// Caller is the account id and partition of the scan's own credentials
// (sts:GetCallerIdentity, asked once).
func (m *Members) Caller(ctx context.Context) (id, partition string, err error) {
	m.mu.Lock()
	c := m.caller
	m.mu.Unlock()
	if c == nil {
		out, err := m.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", "", awserr.Wrap(err, "sts GetCallerIdentity")
		}
		m.mu.Lock()
		m.caller, c = out, out
		m.mu.Unlock()
	}
	partition = "aws"
	if a, err := arn.Parse(aws.ToString(c.Arn)); err == nil {
		partition = a.Partition
	}
	return aws.ToString(c.Account), partition, nil
}

// Resolve lists the accounts the setting selects now: self is the caller's;
// org every account of ListAccounts (every page), or of the OUs and the
// units below them; a list, its ids as given. Accounts that are not ACTIVE
// go to Skipped.
func (m *Members) Resolve(ctx context.Context) (*accountset.Resolved, error) {
	caller, partition, err := m.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r := &accountset.Resolved{Caller: caller, Partition: partition}
	var found []accountset.Account
	switch {
	case m.setting.Self():
		found = []accountset.Account{{ID: caller, State: ActiveState}}
	case m.setting.Mode == accountset.ModeList:
		for _, id := range m.setting.IDs {
			found = append(found, accountset.Account{ID: id, State: ActiveState})
		}
	case m.org == nil:
		return nil, errNoOrganization
	case len(m.setting.OUs) == 0:
		if found, err = m.org.ListAccounts(ctx); err != nil {
			return nil, err
		}
	default:
		if found, err = m.org.ListAccountsUnder(ctx, m.setting.OUs); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(found, func(a, b accountset.Account) int { return strings.Compare(a.ID, b.ID) })
	found = slices.CompactFunc(found, func(a, b accountset.Account) bool { return a.ID == b.ID })
	for _, a := range found {
		if a.State == ActiveState {
			r.Accounts = append(r.Accounts, a)
		} else {
			r.Skipped = append(r.Skipped, a)
		}
	}
	return r, nil
}

// RoleARN is the member role's ARN in account id.
func (m *Members) RoleARN(partition, id string) string {
	return "arn:" + partition + ":iam::" + id + ":role/" + m.opts.Role
}

// Clients returns the clients that read account id: the caller's own for
// the caller's account, otherwise clients signed with the member role's
// credentials. The role is assumed at the first call for an account (so
// that a refusal is one error here, not one per service and region) and
// its credentials are cached, renewed ExpiryWindow before they expire.
// A refusal is a cloudscope error with CodeAccessDenied; see Failure.
func (m *Members) Clients(ctx context.Context, id string) (*awsconf.Clients, error) {
	caller, partition, err := m.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if id == caller {
		return m.own(), nil
	}
	session := m.session(ctx)
	// A session per scan: its name says which scan assumed the role.
	return m.assume(ctx, session+"/"+id, m.RoleARN(partition, id), session, "sts AssumeRole into account "+id)
}

// assume returns clients signed with role's credentials, assumed as
// session, kept under key: built once, renewed ExpiryWindow before they
// expire; a refusal remembered for FailureTTL, a passing trouble not at all.
func (m *Members) assume(ctx context.Context, key, role, session, what string) (*awsconf.Clients, error) {
	m.mu.Lock()
	mb, ok := m.members[key]
	if ok && !mb.forgetAt.IsZero() && !m.opts.Now().Before(mb.forgetAt) {
		ok = false // a refusal remembered long enough: ask again
	}
	if !ok {
		mb = &member{}
		m.members[key] = mb
	}
	m.mu.Unlock()
	mb.once.Do(func() {
		provider := stscreds.NewAssumeRoleProvider(m.sts, role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = session
			o.Duration = SessionDuration
		})
		creds := aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = m.opts.ExpiryWindow })
		if _, err := creds.Retrieve(ctx); err != nil {
			mb.err = awserr.Wrap(err, what)
			return
		}
		cfg := m.base.Config().Copy()
		cfg.Credentials = creds
		cfg.HTTPClient = fastFail(cfg.HTTPClient)
		mb.clients = m.base.Derive(cfg)
	})
	if mb.err != nil {
		err := mb.err
		m.mu.Lock()
		switch {
		case cloudscope.CodeOf(err).Transient() || errors.Is(err, context.Canceled):
			// A passing trouble is not remembered: the next shard tries again.
			if m.members[key] == mb {
				delete(m.members, key)
			}
		case mb.forgetAt.IsZero():
			mb.forgetAt = m.opts.Now().Add(m.opts.FailureTTL)
		}
		m.mu.Unlock()
		return nil, err
	}
	return mb.clients, nil
}

// SessionDuration is how long a member role's session lasts: one hour,
// the member role's MaxSessionDuration (renewed before it ends).
const SessionDuration = time.Hour

// session is the role session name of calls under ctx: the scan's
// (ForScan) or Options.SessionName.
func (m *Members) session(ctx context.Context) string {
	if name, ok := accountset.Session(ctx); ok {
		return name
	}
	return m.opts.SessionName
}

// own is the caller's clients for its own account, with the caller's
// credentials, their calls into an endpoint that stopped answering failing
// fast (built once).
func (m *Members) own() *awsconf.Clients {
	m.selfOnce.Do(func() {
		cfg := m.base.Config().Copy()
		cfg.HTTPClient = fastFail(cfg.HTTPClient)
		m.self = m.base.Derive(cfg)
	})
	return m.self
}

// fastFail wraps an account's HTTP client: after a few connection failures
// in a row to one of its endpoints (a service in a region), the endpoint's
// calls fail at once for a while instead of each waiting out its retries.
func fastFail(c aws.HTTPClient) aws.HTTPClient {
	if c == nil {
		c = awshttp.NewBuildableClient()
	}
	return breaker.New(c, breaker.Options{})
}
