package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/services"
)

// anomaliesCmd evaluates the spend anomalies now, as the daily scan does
// (the 8-week cost query through the cost cache, explained by the stored
// scans), and prints those the filters keep.
func anomaliesCmd(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("anomalies")
	days := fs.String("days", "", "anomalies whose last day is within this many days (default 30)")
	service := fs.String("service", "", "one Cost Explorer service, such as \"EC2 - Other\"")
	account := fs.String("account", "", "one linked account (12-digit id)")
	status := fs.String("status", "", "new, ongoing or resolved")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	state := stateFlag(fs, env)
	accountsFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := anomaly.NewFilter(*days, *service, *account, *status)
	if err != nil {
		return err
	}
	clients, err := loadClients(ctx)
	if err != nil {
		return err
	}
	local, closeState, err := openState(env, *state, clients)
	if err != nil {
		return err
	}
	defer closeState()
	store, err := services.Store(env.conf, clients, local.Store)
	if err != nil {
		return err
	}
	svc := services.Anomalies(env.conf, clients, local.Records)
	rep, err := services.Costs(env.conf, clients, local.CostCache).Report(ctx, svc.Query(!env.conf.Accounts.Self()))
	if err != nil {
		return err
	}
	if rep.Requests > 0 {
		fmt.Fprintf(env.stderr, "the 8-week cost query took %d Cost Explorer request(s), billed at $0.01 each\n", rep.Requests)
	}
	if _, err := svc.Evaluate(ctx, rep, store); err != nil {
		return err
	}
	list, err := svc.List(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env.stdout, list)
	}
	return printAnomalies(env.stdout, list)
}

func printAnomalies(w io.Writer, as []cloudscope.Anomaly) error {
	if len(as) == 0 {
		fmt.Fprintln(w, "no spend anomaly")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DAYS\tSERVICE\tWHERE\tKIND\tSTATUS\tACTUAL\tEXPECTED\tEXPLAINED\tUNEXPLAINED\t")
	for _, a := range as {
		days := a.Start
		if a.End != a.Start {
			days += ".." + a.End
		}
		where := strings.TrimPrefix(a.AccountID+" "+a.Region, " ")
		status := string(a.Status)
		if a.Provisional {
			status += " (estimated)"
		}
		explained, unexplained := "-", "-"
		if ex := a.Explanation; ex != nil && ex.Covered {
			explained, unexplained = ex.Explained.Cents(), ex.Unexplained.Cents()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", days, a.Service, where, a.Kind, status, a.Actual.Cents(), a.Expected.Cents(), explained, unexplained)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, a := range as {
		ex := a.Explanation
		if ex == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s %s on %s:", a.ID, a.Service, a.Start)
		if ex.Note != "" {
			fmt.Fprintf(w, " %s", ex.Note)
		}
		fmt.Fprintln(w)
		for _, c := range ex.Changes {
			cost := "unpriced: " + c.Unpriced
			if c.Cost != nil {
				cost = c.Cost.Cents() + " " + a.Currency
			}
			change := c.Change
			if c.Detail != "" {
				change += " (" + c.Detail + ")"
			}
			fmt.Fprintf(w, "  %s %s in %s %s at %s, %.2f h: %s\n", c.ResourceType, c.ResourceID, c.Region, change, c.Since.Format("15:04 UTC"), c.Hours, cost)
		}
	}
	return nil
}
