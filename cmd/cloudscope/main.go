// Command cloudscope runs cloudscope on a laptop: it serves the same HTTP API
// as the deployed Lambda functions, prints what an account has, and runs a
// demo against a local AWS emulator.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/services"
)

const usage = `cloudscope: know an AWS account.

Usage:
  cloudscope serve     [--addr 127.0.0.1:8080] [--accounts self|org|ids]   serve the API against the configured AWS account
  cloudscope resources [--regions r1,r2] [--types ec2,rds] [--json]   print what the account has
  cloudscope metrics   --type rds --ids orders-db [--region r] [--hours 24] [--json]   print metric summaries
  cloudscope costs     [--days 30] [--group-by SERVICE|REGION|TAG:key] [--json]   print spend by group
  cloudscope anomalies [--days 30] [--service S] [--status new|ongoing|resolved] [--json]   spend anomalies, each explained by what changed that day
  cloudscope scan      [--regions r1,r2] [--accounts self|org|org:ou-id,...|id,id] [--json]   run the daily scan now: findings on stdout, progress on stderr
  cloudscope savings   [--months 12] [--accounts id,id] [--rule r] [--json]   print the savings realized (findings resolved) and still open
  cloudscope seed-demo                                      create the demo account on a loopback emulator
  cloudscope demo      [--addr 127.0.0.1:8080] [--emulator-port 4566]   start the emulator, seed it, serve

AWS access follows the SDK's standard configuration: the credential chain,
AWS_REGION, and AWS_ENDPOINT_URL for an emulator. The commands that read the
account check the credentials first, and say how to sign in when they fail.
CLOUDSCOPE_LOG_LEVEL sets the log level (debug, info, warn, error);
CLOUDSCOPE_CONCURRENCY bounds the AWS calls in flight. --accounts (env
CLOUDSCOPE_ACCOUNTS) other than self scans an organization's accounts (or
those listed) through the member role CLOUDSCOPE_MEMBER_ROLE, shard by
shard, CLOUDSCOPE_SHARD_CONCURRENCY at once.
`

// command is one subcommand: it parses its own flags and runs.
type command func(ctx context.Context, env *environment, args []string) error

// environment is what every command shares.
type environment struct {
	conf   appconfig.Config
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
	// scanAtStart runs a first scan when the server starts (the demo).
	scanAtStart bool
	// local is the state serve and scan keep: chosen with --state.
	local services.Local
	// listening, when set, is told the URL once serve listens (tests).
	listening func(url string)
	// now is the clock of serve's credentials check; nil is time.Now.
	now func() time.Time
	// account is the account of serve's credentials, once checked.
	account func(context.Context) (string, error)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	commands := map[string]command{
		"serve":     serve,
		"resources": resources,
		"metrics":   metricsCmd,
		"costs":     costsCmd,
		"anomalies": anomaliesCmd,
		"scan":      scanCmd,
		"savings":   savingsCmd,
		"seed-demo": seedDemo,
		"demo":      runDemo,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cloudscope: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	conf, err := appconfig.FromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "cloudscope:", err)
		return 2
	}
	env := &environment{
		conf:   conf,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: conf.LogLevel})),
		stdout: stdout,
		stderr: stderr,
	}
	// The one context of the run: every command, the server, its shutdown
	// and its background scans derive from it. After the first interrupt
	// (a graceful stop), a second one ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	if err := cmd(ctx, env, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		var check checkFailed
		if errors.As(err, &check) {
			env.log.Debug("the AWS credentials check failed", "error", check.err)
		}
		fmt.Fprintln(stderr, "cloudscope:", err)
		return 1
	}
	return 0
}

// printJSON writes v as indented JSON, for the commands' --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// errUsage marks an error the flag package has already reported.
var errUsage = errors.New("usage")

// flags returns a flag set that reports errors to the command's stderr.
func (e *environment) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("cloudscope "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args, turning a flag error into errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}
