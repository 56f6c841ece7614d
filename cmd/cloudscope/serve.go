package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/credcheck"
	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/loopback"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

const defaultAddr = "127.0.0.1:8080"

func serve(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("serve")
	addr := fs.String("addr", defaultAddr, "address to listen on")
	state := stateFlag(fs, env)
	accountsFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	// The server starts without credentials (the page must load), but says
	// once what is missing, and every API route answers it until a check
	// (at most every 30 s) finds them working: no empty successes. The
	// credential chain is resolved again while it finds nothing, so that
	// signing in needs no restart.
	clients, err := awsClients(ctx, credcheck.NewReloading(credcheck.DefaultChain))
	if err != nil {
		return err
	}
	// Each identity's scans, lease and caches are apart in the state: the
	// credentials' account says whose (asked once they work).
	local, closeState, err := openState(env, *state, clients)
	if err != nil {
		return err
	}
	defer closeState()
	env.local = local
	check := credcheck.NewCached(func(ctx context.Context) (credcheck.Identity, error) { return credcheck.Check(ctx, clients) }, env.now)
	switch id, err := check.Check(ctx); {
	case cloudscope.CodeOf(err) == cloudscope.CodeCredentials:
		env.log.Warn(oneLine(err) + "; until you sign in, the API and the page answer credentials_missing")
		env.log.Debug("the AWS credentials check failed", "error", err)
	case err != nil:
		env.log.Warn(oneLine(err))
		env.log.Debug("the AWS credentials check failed", "error", err)
	default:
		env.log.Info("AWS credentials", "account", id.Account, "arn", id.ARN)
	}
	env.account = func(ctx context.Context) (string, error) {
		id, err := check.Check(ctx)
		return id.Account, err
	}
	return listenAndServe(ctx, env, *addr, clients, check.Ready, env.listening)
}

// awsClients builds the AWS clients from the SDK's standard configuration;
// credentials, when set, replaces its credential chain.
func awsClients(ctx context.Context, credentials aws.CredentialsProvider) (*awsconf.Clients, error) {
	cfg, err := sdkconfig.Load(ctx, awsconf.Options{Credentials: credentials})
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("AWS_PROFILE names the profile %q, which the AWS config files do not have: "+
			"run `aws configure --profile %s` or `aws configure sso --profile %s`, or unset AWS_PROFILE", missing.Profile, missing.Profile, missing.Profile)
	}
	if err != nil {
		return nil, err
	}
	return awsconf.NewClients(cfg), nil
}

// loadClients builds the AWS clients and checks once that the credentials
// work (sts:GetCallerIdentity): a command that reads the account stops at
// once with one line saying what is missing, rather than reporting an empty
// account or the SDK's credential chain.
func loadClients(ctx context.Context) (*awsconf.Clients, error) {
	clients, err := awsClients(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := credcheck.Check(ctx, clients); err != nil {
		return nil, checkFailed{err}
	}
	return clients, nil
}

// checkFailed is a failed credentials check: its text is the check's one
// line; the SDK's own error stays inside, for the debug log.
type checkFailed struct{ err error }

func (e checkFailed) Error() string { return oneLine(e.err) }
func (e checkFailed) Unwrap() error { return e.err }

// oneLine is the message of a cloudscope error, without its code and cause.
func oneLine(err error) string {
	var ce *cloudscope.Error
	if errors.As(err, &ce) && ce.Message != "" {
		return ce.Message
	}
	return err.Error()
}

// newAPI builds the HTTP API with every capability, as the functions do one
// each. Snapshots and costs are kept where the person chose (env.local,
// --state), unless CLOUDSCOPE_TABLE names a table; ready,
// when set, is asked before each route (the credentials check); the scans'
// notifications link to the page at pageURL unless CLOUDSCOPE_DASHBOARD_URL
// says otherwise.
func newAPI(ctx context.Context, env *environment, clients *awsconf.Clients, ready func(context.Context) error, pageURL string) (http.Handler, error) {
	conf := env.conf
	if conf.DashboardURL == "" {
		conf.DashboardURL = pageURL
	}
	conf.Discovery.Budget = 4 * time.Minute // no API Gateway in front: up to the server's write timeout
	if env.local.Store == nil {
		env.local.Store = memstore.New() // tests that serve without choosing
	}
	store, err := services.Store(conf, clients, env.local.Store)
	if err != nil {
		return nil, err
	}
	failed := func(id string, err error) {
		if ctx.Err() != nil {
			env.log.Info("scan stopped with the server", "scan_id", id)
			return
		}
		env.log.Error("scan failed", "scan_id", id, "error", err)
	}
	// POST /scans runs the scan (plan, shards, finalize) in this process.
	parts, err := services.PartStore(store)
	if err != nil {
		return nil, err
	}
	engine := services.Engine(conf, clients, store, parts, services.Costs(conf, clients, env.local.CostCache), env.local.Records, nil)
	start := func(*scan.Scanner) func(context.Context, string) error {
		return engine.InBackground(ctx, 4*time.Hour, failed)
	}
	deps := services.All(conf, clients, store, env.local.CostCache, env.local.Records, start)
	deps.Logger = env.log
	deps.Ready = ready
	deps.Account = env.account
	if env.scanAtStart {
		if id, err := deps.Bottlenecks.StartScan(ctx); err != nil {
			env.log.Error("the first scan did not start", "error", err)
		} else {
			env.log.Info("first scan running in the background; /bottlenecks answers once it is done", "scan_id", id)
		}
	}
	return httpapi.New(deps), nil
}

// listenAndServe serves the API on addr until ctx ends, then shuts down
// gracefully; background scans end with ctx. ready, when set, is asked
// before each API route; listening, when set, is told the URL once the
// listener is open.
func listenAndServe(ctx context.Context, env *environment, addr string, clients *awsconf.Clients,
	ready func(context.Context) error, listening func(url string)) error {
	if !loopback.Host(addr) {
		env.log.Warn("listening beyond loopback: the local server has no authentication, so anyone who can reach it can read this account's inventory", "addr", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if err := dashboard.Check(); err != nil {
		env.log.Warn(err.Error())
	}
	url := "http://" + l.Addr().String()
	api, err := newAPI(ctx, env, clients, ready, url+"/")
	if err != nil {
		l.Close()
		return err
	}
	// The page at / and the API share the origin, so the page needs no CORS.
	handler := dashboard.Handler(api, dashboard.Config{})
	if loopback.Host(addr) {
		handler = httpapi.LoopbackOnly(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      5 * time.Minute, // a first scan of a large account takes a while
		IdleTimeout:       2 * time.Minute,
	}
	env.log.Info("serving cloudscope: open the dashboard in a browser", "url", url, "endpoint", endpointName(clients))
	if listening != nil {
		listening(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	env.log.Info("shutting down")
	// Shutting down gets its own 10 s: ctx has already ended.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func endpointName(c *awsconf.Clients) string {
	if e := c.Config().BaseEndpoint; e != nil {
		return *e
	}
	return "AWS"
}
