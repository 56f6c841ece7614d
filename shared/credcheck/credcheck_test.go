package credcheck

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// noCredentials empties every source of the SDK's credential chain, as on
// a laptop where nobody has signed in; calls would go to the emulator.
func noCredentials(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", moto.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
}

// fromEnv builds clients from the environment, as the CLI does.
func fromEnv(t *testing.T) *awsconf.Clients {
	t.Helper()
	cfg, err := sdkconfig.Load(context.Background(), awsconf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return awsconf.NewClients(cfg)
}

func TestCheckNamesTheAccountOfTheEmulator(t *testing.T) {
	id, err := Check(context.Background(), moto.Clients(t))
	if err != nil || id.Account != mototest.AccountID || !strings.HasPrefix(id.ARN, "arn:aws:") {
		t.Errorf("got %+v, %v", id, err)
	}
}

func TestNoCredentialsSaysHowToSignIn(t *testing.T) {
	noCredentials(t)
	_, err := Check(context.Background(), fromEnv(t))
	var ce *cloudscope.Error
	if !errors.As(err, &ce) || ce.Code != cloudscope.CodeCredentials || ce.Message != msgNone {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"aws configure", "aws sso login", "AWS_PROFILE", "make demo"} {
		if !strings.Contains(ce.Message, want) {
			t.Errorf("the message does not name %q: %s", want, ce.Message)
		}
	}
	if strings.Contains(ce.Message, "\n") || strings.Contains(ce.Message, "IMDS") {
		t.Errorf("not one plain line: %q", ce.Message)
	}
}

func TestAnSSOProfileWithoutASessionSaysSSOLogin(t *testing.T) {
	noCredentials(t)
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte("[profile dev]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"+
		"sso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_PROFILE", "dev")
	_, err := Check(context.Background(), fromEnv(t))
	if cloudscope.CodeOf(err) != cloudscope.CodeCredentials || !strings.Contains(err.(*cloudscope.Error).Message, "`aws sso login`") ||
		err.(*cloudscope.Error).Message != msgSSO {
		t.Errorf("got %v", err)
	}
}

func TestRefusedExpiredAndUnreachable(t *testing.T) {
	for _, tc := range []struct {
		answer error
		code   cloudscope.ErrorCode
		want   string
	}{
		{awsstub.APIError("InvalidClientTokenId", "The security token included in the request is invalid."), cloudscope.CodeCredentials, "AWS refused the credentials (InvalidClientTokenId) in region us-east-1"},
		{awsstub.APIError("ExpiredToken", "The security token included in the request is expired"), cloudscope.CodeCredentials, "the AWS credentials have expired (ExpiredToken)"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, cloudscope.CodeUnavailable, "cannot reach AWS STS in region us-east-1 (no answer)"},
	} {
		clients := awsstub.Clients(func(_ context.Context, c awsstub.Call) (any, error) {
			if c.Service != "STS" || c.Operation != "GetCallerIdentity" {
				t.Errorf("unexpected call %s.%s", c.Service, c.Operation)
			}
			return nil, tc.answer
		})
		_, err := Check(context.Background(), clients)
		var ce *cloudscope.Error
		if !errors.As(err, &ce) || ce.Code != tc.code || !strings.HasPrefix(ce.Message, tc.want) {
			t.Errorf("%v: got %v", tc.answer, err)
		}
	}
}

func TestCachedKeepsASuccessAndRetriesAFailureEvery30s(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	asked := 0
	signedIn := false
	c := NewCached(func(context.Context) (Identity, error) {
		asked++
		if !signedIn {
			return Identity{}, &cloudscope.Error{Code: cloudscope.CodeCredentials, Message: msgNone}
		}
		return Identity{Account: "123456789012"}, nil
	}, func() time.Time { return now })
	ctx := context.Background()
	for range 3 {
		if err := c.Ready(ctx); cloudscope.CodeOf(err) != cloudscope.CodeCredentials {
			t.Fatalf("not signed in: %v", err)
		}
	}
	if asked != 1 {
		t.Errorf("asked %d times within 30 s, want once", asked)
	}
	signedIn = true
	now = now.Add(RetryAfter - time.Second)
	if c.Ready(ctx) == nil || asked != 1 {
		t.Errorf("asked again after 29 s (%d)", asked)
	}
	now = now.Add(time.Second)
	if id, err := c.Check(ctx); err != nil || id.Account != "123456789012" || asked != 2 {
		t.Errorf("after 30 s: %+v %v, asked %d", id, err, asked)
	}
	now = now.Add(24 * time.Hour)
	if err := c.Ready(ctx); err != nil || asked != 2 {
		t.Errorf("a success was not kept: %v, asked %d", err, asked)
	}
}

func TestCachedDoesNotKeepACancelledCheckAndPassesOtherFailures(t *testing.T) {
	asked := 0
	var answer error
	c := NewCached(func(ctx context.Context) (Identity, error) {
		asked++
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		return Identity{}, answer
	}, nil)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Check(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	answer = &cloudscope.Error{Code: cloudscope.CodeUnavailable, Message: "cannot reach AWS STS"}
	if err := c.Ready(context.Background()); err != nil || asked != 2 {
		t.Errorf("an unreachable STS stopped a request (%v), or the cancelled check was kept (asked %d)", err, asked)
	}
}

func TestTheREADMEListsTheCall(t *testing.T) {
	readme.RequireIAMActions(t, IAMActions)
}

// TestReloadingFindsCredentialsWrittenAfterTheStart: the chain is resolved
// again after a failure (someone ran `aws configure`), not after a success.
func TestReloadingFindsCredentialsWrittenAfterTheStart(t *testing.T) {
	noCredentials(t)
	file := filepath.Join(t.TempDir(), "credentials")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	loads := 0
	r := NewReloading(func(ctx context.Context) (aws.CredentialsProvider, error) { loads++; return DefaultChain(ctx) })
	cfg, err := sdkconfig.Load(context.Background(), awsconf.Options{Credentials: r})
	if err != nil {
		t.Fatal(err)
	}
	clients := awsconf.NewClients(cfg)
	if _, err := Check(context.Background(), clients); cloudscope.CodeOf(err) != cloudscope.CodeCredentials || err.(*cloudscope.Error).Message != msgNone {
		t.Fatalf("before signing in: %v", err)
	}
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if id, err := Check(context.Background(), clients); err != nil || id.Account != mototest.AccountID {
		t.Fatalf("after signing in: %+v %v", id, err)
	}
	before := loads
	if _, err := Check(context.Background(), clients); err != nil || loads != before {
		t.Errorf("a working source was resolved again (%d loads, then %d): %v", before, loads, err)
	}
}
