package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/cloudscope/cloudscope/shared/accounts/orgaccounts"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/stsclient"
	"github.com/cloudscope/cloudscope/shared/breaker"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want accountset.Setting
	}{
		{"", accountset.Setting{Mode: accountset.ModeSelf}},
		{" SELF ", accountset.Setting{Mode: accountset.ModeSelf}},
		{"org", accountset.Setting{Mode: accountset.ModeOrg}},
		{"org:ou-ab12-cdef3456, ou-ab12-aaaa1111,ou-ab12-cdef3456", accountset.Setting{Mode: accountset.ModeOrg, OUs: []string{"ou-ab12-aaaa1111", "ou-ab12-cdef3456"}}},
		{"222222222222, 111111111111,,222222222222", accountset.Setting{Mode: accountset.ModeList, IDs: []string{"111111111111", "222222222222"}}},
	} {
		got, err := accountset.Parse(c.in)
		if err != nil || got.Mode != c.want.Mode || !slices.Equal(got.OUs, c.want.OUs) || !slices.Equal(got.IDs, c.want.IDs) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if again, err := accountset.Parse(got.String()); err != nil || again.String() != got.String() {
			t.Errorf("Parse(%q).String() = %q does not read back: %v", c.in, got.String(), err)
		}
	}
	for in, says := range map[string]string{
		"organisation":      "not an account id",
		"12345678901":       "not an account id",
		"1234567890123":     "not an account id",
		"111111111111,abc":  `"abc"`,
		"org:":              "no organizational unit",
		"org:r-ab12":        "not an organizational unit",
		"org:ou-ab12-cdef3": "not an organizational unit",
		",,":                "no account id",
	} {
		_, err := accountset.Parse(in)
		var ce *cloudscope.Error
		if !errors.As(err, &ce) || ce.Code != cloudscope.CodeInvalid || ce.Param != accountset.Param || !strings.Contains(ce.Message, says) {
			t.Errorf("Parse(%q) = %v; want an invalid %s error saying %q", in, err, accountset.Param, says)
		}
	}
	long := strings.TrimSuffix(strings.Repeat("123456789012,", accountset.MaxListed+1), ",")
	if _, err := accountset.Parse(long); err != nil {
		t.Errorf("repeats count once: %v", err)
	}
	var many []string
	for i := range accountset.MaxListed + 1 {
		many = append(many, fmt.Sprintf("%012d", i))
	}
	if _, err := accountset.Parse(strings.Join(many, ",")); err == nil {
		t.Errorf("%d ids accepted", len(many))
	}
	if accountset.CheckRole("cloudscope-reader") != nil || accountset.CheckRole("bad/role") == nil || accountset.CheckRole("") == nil {
		t.Error("CheckRole")
	}
}

const mgmt = "999999999999"

// org is a stub organization: a root r with OU a (members 1 and 2, and OU
// a2 with member 3, suspended) and OU b (member 4); ListAccounts pages by 2.
type org struct {
	assumed sync.Map // account id -> *atomic.Int32
	denied  map[string]bool
	calls   atomic.Int32
}

func (o *org) handle(_ context.Context, c awsstub.Call) (any, error) {
	o.calls.Add(1)
	acct := func(id string, state orgtypes.AccountState) orgtypes.Account {
		return orgtypes.Account{Id: aws.String(id), Name: aws.String("acct-" + id[:1]), State: state}
	}
	all := []orgtypes.Account{acct(mgmt, "ACTIVE"), acct("111111111111", "ACTIVE"), acct("222222222222", "ACTIVE"),
		acct("333333333333", "SUSPENDED"), {Id: aws.String("444444444444"), Status: orgtypes.AccountStatusPendingClosure}}
	switch in := c.Input.(type) {
	case *sts.GetCallerIdentityInput:
		return &sts.GetCallerIdentityOutput{Account: aws.String(mgmt), Arn: aws.String("arn:aws:iam::" + mgmt + ":user/scanner")}, nil
	case *sts.AssumeRoleInput:
		id := strings.Split(aws.ToString(in.RoleArn), ":")[4]
		n, _ := o.assumed.LoadOrStore(id, &atomic.Int32{})
		n.(*atomic.Int32).Add(1)
		if o.denied[id] {
			return nil, awsstub.APIError("AccessDenied", "not authorized to perform sts:AssumeRole")
		}
		if aws.ToString(in.RoleSessionName) == "" || !strings.HasSuffix(aws.ToString(in.RoleArn), ":role/"+accountset.DefaultRole) {
			return nil, awsstub.APIError("ValidationError", "bad input")
		}
		return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{AccessKeyId: aws.String("AK" + id), SecretAccessKey: aws.String("s"),
			SessionToken: aws.String("t"), Expiration: aws.Time(time.Now().Add(time.Hour))}}, nil
	case *organizations.ListAccountsInput:
		if in.NextToken == nil {
			return &organizations.ListAccountsOutput{Accounts: all[:2], NextToken: aws.String("2")}, nil
		}
		if aws.ToString(in.NextToken) == "2" {
			return &organizations.ListAccountsOutput{Accounts: all[2:4], NextToken: aws.String("4")}, nil
		}
		return &organizations.ListAccountsOutput{Accounts: all[4:]}, nil
	case *organizations.ListAccountsForParentInput:
		byOU := map[string][]orgtypes.Account{"ou-ab12-aaaaaaaa": all[1:3], "ou-ab12-a2a2a2a2": all[3:4], "ou-ab12-bbbbbbbb": all[4:]}
		return &organizations.ListAccountsForParentOutput{Accounts: byOU[aws.ToString(in.ParentId)]}, nil
	case *organizations.ListOrganizationalUnitsForParentInput:
		if aws.ToString(in.ParentId) == "ou-ab12-aaaaaaaa" {
			return &organizations.ListOrganizationalUnitsForParentOutput{OrganizationalUnits: []orgtypes.OrganizationalUnit{{Id: aws.String("ou-ab12-a2a2a2a2")}}}, nil
		}
		return &organizations.ListOrganizationalUnitsForParentOutput{}, nil
	}
	return nil, awsstub.APIError("UnknownOperation", c.Operation)
}

func newMembers(t *testing.T, setting string, o *org) *Members {
	t.Helper()
	s, err := accountset.Parse(setting)
	if err != nil {
		t.Fatal(err)
	}
	base := awsstub.Clients(o.handle)
	return New(s, base, stsclient.Home(base), orgaccounts.Of(base), Options{})
}

func ids(as []accountset.Account) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		setting       string
		read, skipped []string
	}{
		{"self", []string{mgmt}, nil},
		{"org", []string{"111111111111", "222222222222", mgmt}, []string{"333333333333", "444444444444"}},
		// OU a and, below it, a2 (suspended member 3); b is not asked for.
		{"org:ou-ab12-aaaaaaaa", []string{"111111111111", "222222222222"}, []string{"333333333333"}},
		{"222222222222,555555555555", []string{"222222222222", "555555555555"}, nil},
	} {
		r, err := newMembers(t, c.setting, &org{}).Resolve(ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.setting, err)
		}
		if r.Caller != mgmt || r.Partition != "aws" || !slices.Equal(ids(r.Accounts), c.read) || !slices.Equal(ids(r.Skipped), c.skipped) {
			t.Errorf("%s: caller %s read %v skipped %v; want %v and %v", c.setting, r.Caller, ids(r.Accounts), ids(r.Skipped), c.read, c.skipped)
		}
		for _, f := range r.SkippedFailures() {
			if f.Code != accountset.CodeSkipped || f.AccountID == "" || f.Region != cloudscope.Global || !strings.Contains(f.Message, "SUSPENDED") && !strings.Contains(f.Message, "PENDING_CLOSURE") {
				t.Errorf("%s: skipped failure %+v", c.setting, f)
			}
		}
	}
}

// TestClientsCachesRoleCredentials: one AssumeRole per member however many
// shards ask at once; the caller's own account uses the caller's clients;
// a refused member is one access_denied failure.
func TestClientsCachesRoleCredentials(t *testing.T) {
	ctx := context.Background()
	o := &org{denied: map[string]bool{"222222222222": true}}
	m := newMembers(t, "org", o)
	var wg sync.WaitGroup
	for range 20 {
		for _, id := range []string{mgmt, "111111111111", "222222222222"} {
			wg.Go(func() {
				c, err := m.Clients(ctx, id)
				switch {
				case id == "222222222222":
					if err == nil || cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
						t.Errorf("denied member: %v", err)
					}
				case err != nil:
					t.Errorf("%s: %v", id, err)
				case id == mgmt:
					creds, err := c.Config().Credentials.Retrieve(ctx)
					if base, _ := m.base.Config().Credentials.Retrieve(ctx); err != nil || creds.AccessKeyID != base.AccessKeyID {
						t.Errorf("the caller's account is not read with the caller's credentials: %v %v", creds.AccessKeyID, err)
					}
				case id != mgmt:
					creds, err := c.Config().Credentials.Retrieve(ctx)
					if err != nil || creds.AccessKeyID != "AK"+id {
						t.Errorf("%s: credentials %v %v", id, creds.AccessKeyID, err)
					}
				}
			})
		}
	}
	wg.Wait()
	for _, id := range []string{"111111111111", "222222222222"} {
		if n, _ := o.assumed.Load(id); n == nil || n.(*atomic.Int32).Load() != 1 {
			t.Errorf("%s: AssumeRole %v times, want once", id, n)
		}
	}
	if _, ok := o.assumed.Load(mgmt); ok {
		t.Error("assumed a role into the caller's own account")
	}
	_, err := m.Clients(ctx, "222222222222")
	f := accountset.Failure("222222222222", err)
	if f.Code != accountset.CodeDenied || f.AccountID != "222222222222" || f.Region != cloudscope.Global || f.Service != "sts" || f.Detail == "" {
		t.Errorf("failure %+v", f)
	}
	if m.RoleARN("aws-cn", "111111111111") != "arn:aws-cn:iam::111111111111:role/cloudscope-reader" {
		t.Error(m.RoleARN("aws-cn", "111111111111"))
	}
}

// TestCredentialsRenewedBeforeExpiry: credentials that expire within the
// window are assumed again before use.
func TestCredentialsRenewedBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int32
	base := awsstub.Clients(func(ctx context.Context, c awsstub.Call) (any, error) {
		switch c.Input.(type) {
		case *sts.GetCallerIdentityInput:
			return &sts.GetCallerIdentityOutput{Account: aws.String(mgmt), Arn: aws.String("arn:aws:sts::" + mgmt + ":assumed-role/x/y")}, nil
		case *sts.AssumeRoleInput:
			n.Add(1)
			return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{AccessKeyId: aws.String("a"), SecretAccessKey: aws.String("s"),
				SessionToken: aws.String("t"), Expiration: aws.Time(time.Now().Add(4 * time.Minute))}}, nil
		}
		return nil, awsstub.APIError("UnknownOperation", c.Operation)
	})
	m := New(accountset.Setting{Mode: accountset.ModeList, IDs: []string{"111111111111"}}, base, stsclient.Home(base), orgaccounts.Of(base), Options{ExpiryWindow: 5 * time.Minute})
	c, err := m.Clients(ctx, "111111111111")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Config().Credentials.Retrieve(ctx); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("AssumeRole %d times: credentials 4 minutes from expiry, inside a 5-minute window, must be renewed", n.Load())
	}
}

func TestTheREADMEListsTheCalls(t *testing.T) {
	readme.RequireIAMActions(t, IAMActions)
}

// TestARefusalIsForgottenAfterMinutes: a member that refused the scan is
// not asked again at once (one AssumeRole however many shards ask), but
// once FailureTTL has passed it is, so a role fixed meanwhile is read by a
// warm process.
func TestARefusalIsForgottenAfterMinutes(t *testing.T) {
	ctx := context.Background()
	o := &org{denied: map[string]bool{"222222222222": true}}
	s, _ := accountset.Parse("org")
	base := awsstub.Clients(o.handle)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	m := New(s, base, stsclient.Home(base), orgaccounts.Of(base), Options{Now: func() time.Time { return now }})
	assumed := func() int32 {
		n, _ := o.assumed.Load("222222222222")
		if n == nil {
			return 0
		}
		return n.(*atomic.Int32).Load()
	}
	for range 3 {
		if _, err := m.Clients(ctx, "222222222222"); cloudscope.CodeOf(err) != cloudscope.CodeAccessDenied {
			t.Fatalf("refused member: %v", err)
		}
	}
	if assumed() != 1 {
		t.Errorf("AssumeRole %d times within the minutes a refusal is remembered, want 1", assumed())
	}
	now = now.Add(4 * time.Minute)
	_, _ = m.Clients(ctx, "222222222222")
	if assumed() != 1 {
		t.Errorf("asked again after 4 minutes (%d calls), want after 5", assumed())
	}
	now = now.Add(time.Minute)
	o.denied = nil // the role fixed
	c, err := m.Clients(ctx, "222222222222")
	if err != nil || c == nil || assumed() != 2 {
		t.Errorf("after 5 minutes: %v, %d AssumeRole calls; want the member read, asked a second time", err, assumed())
	}
}

// TestRoleSessionsNamedAfterTheScan: a member's role session is named
// after the scan that assumed it and lasts one hour; another scan assumes
// its own session.
func TestRoleSessionsNamedAfterTheScan(t *testing.T) {
	var mu sync.Mutex
	var got []sts.AssumeRoleInput
	base := awsstub.Clients(func(ctx context.Context, c awsstub.Call) (any, error) {
		switch in := c.Input.(type) {
		case *sts.GetCallerIdentityInput:
			return &sts.GetCallerIdentityOutput{Account: aws.String(mgmt), Arn: aws.String("arn:aws:sts::" + mgmt + ":assumed-role/x/y")}, nil
		case *sts.AssumeRoleInput:
			mu.Lock()
			got = append(got, *in)
			mu.Unlock()
			return &sts.AssumeRoleOutput{Credentials: &ststypes.Credentials{AccessKeyId: aws.String("a"), SecretAccessKey: aws.String("s"),
				SessionToken: aws.String("t"), Expiration: aws.Time(time.Now().Add(time.Hour))}}, nil
		}
		return nil, awsstub.APIError("UnknownOperation", c.Operation)
	})
	m := New(accountset.Setting{Mode: accountset.ModeList, IDs: []string{"111111111111"}}, base, stsclient.Home(base), orgaccounts.Of(base), Options{})
	for _, scan := range []string{"sched-4f1c2d", "sched-4f1c2d", "manual-20261206T0900Z/x"} {
		if _, err := m.Clients(accountset.ForScan(context.Background(), scan), "111111111111"); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 {
		t.Fatalf("AssumeRole %d times, want once per scan (2)", len(got))
	}
	for i, want := range []string{"cloudscope-sched-4f1c2d", "cloudscope-manual-20261206T0900Z-x"} {
		if aws.ToString(got[i].RoleSessionName) != want || aws.ToInt32(got[i].DurationSeconds) != 3600 {
			t.Errorf("session %q of %ds, want %q of 3600s", aws.ToString(got[i].RoleSessionName), aws.ToInt32(got[i].DurationSeconds), want)
		}
	}
	if n := len(accountset.SessionName(strings.Repeat("x", 100))); n != 64 {
		t.Errorf("a long scan id makes a session name of %d characters, want IAM's 64", n)
	}
}

// TestEveryAccountsClientsFailFast: the clients handed out for the
// caller's own account and for a member both send through a breaker (shared/breaker), so that a region
// that stopped answering fails at once in every account a scan reads.
func TestEveryAccountsClientsFailFast(t *testing.T) {
	o := &org{}
	m := newMembers(t, "org", o)
	ctx := context.Background()
	own, err := m.Clients(ctx, mgmt)
	if err != nil {
		t.Fatal(err)
	}
	member, err := m.Clients(ctx, "111111111111")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*awsconf.Clients{"own": own, "member": member} {
		if _, ok := c.Config().HTTPClient.(*breaker.Breaker); !ok {
			t.Errorf("the %s account's clients send through %T, not a breaker", name, c.Config().HTTPClient)
		}
	}
}

// TestWithoutOrganizationsAccountsAreReachedByID: a function that lists no
// organization (metrics, shard) passes no Organization; it reaches members
// by id all the same, and listing or finding the management account says
// why it cannot.
func TestWithoutOrganizationsAccountsAreReachedByID(t *testing.T) {
	s, err := accountset.Parse("org")
	if err != nil {
		t.Fatal(err)
	}
	o := &org{}
	base := awsstub.Clients(o.handle)
	m := New(s, base, stsclient.Home(base), nil, Options{})
	ctx := context.Background()
	if c, err := m.Clients(ctx, "111111111111"); err != nil || c == nil {
		t.Errorf("a member by id: %v %v", c, err)
	}
	if _, err := m.Resolve(ctx); err == nil || !strings.Contains(err.Error(), "Organizations") {
		t.Errorf("listing the organization without Organizations: %v", err)
	}
	if _, err := m.Management(ctx); err == nil || !strings.Contains(err.Error(), "Organizations") {
		t.Errorf("the management account without Organizations: %v", err)
	}
}
