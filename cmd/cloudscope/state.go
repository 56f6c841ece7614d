package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/filestore"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/services"
)

// stateFlag adds --state to a command that keeps history (serve, scan).
func stateFlag(fs *flag.FlagSet, env *environment) *string {
	return fs.String("state", env.conf.State, "where snapshots and the cost cache are kept: a file, or memory for none "+
		"(default: cloudscope.db under $XDG_STATE_HOME or ~/.local/state/cloudscope; env "+appconfig.EnvState+")")
}

// openState opens the local state a person chose: "memory", a file path,
// or "" for the default file, keeping the data of the identity clients'
// credentials are (services.Identity) apart from any other's in it. close
// releases the file.
func openState(env *environment, choice string, clients *awsconf.Clients) (local services.Local, close func(), err error) {
	identity := services.Identity(env.conf, clients)
	if choice == "memory" {
		st := memstore.NewFor(identity)
		return services.Local{Store: st, Records: st.KV()}, func() {}, nil
	}
	path := choice
	if path == "" {
		if path, err = filestore.DefaultPath(); err != nil {
			return services.Local{}, nil, err
		}
	}
	st, err := filestore.OpenFor(path, env.conf.Retention, nil, identity)
	if err != nil {
		return services.Local{}, nil, fmt.Errorf("state: %w", err)
	}
	env.log.Info("history kept in a file (--state memory for none)", "state", st.Path())
	return services.Local{Store: st, CostCache: st.CostCache().For(identity), Records: st.KV()}, func() { _ = st.Close() }, nil
}

// accountsFlag adds --accounts to a command that scans (serve, scan): it
// sets env.conf.Accounts when given.
func accountsFlag(fs *flag.FlagSet, env *environment) {
	fs.Func("accounts", "which accounts a scan reads: self, org, org:<ou-id>,<ou-id> or account ids separated by commas "+
		"(default "+env.conf.Accounts.String()+"; env "+appconfig.EnvAccounts+")", func(v string) error {
		set, err := accountset.Parse(v)
		if err != nil {
			return errors.New(oneLine(err))
		}
		env.conf.Accounts = set
		return nil
	})
}
