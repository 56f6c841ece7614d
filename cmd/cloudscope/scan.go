package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

// scanCmd runs exactly what the scheduled scan function runs, with progress
// on stderr and the findings on stdout.
func scanCmd(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("scan")
	regions := fs.String("regions", "", "comma-separated regions: a partial scan, printed but not stored (default: every enabled region, stored)")
	asJSON := fs.Bool("json", false, "print the snapshot as JSON instead of a table")
	state := stateFlag(fs, env)
	accountsFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	q, err := discovery.NewQuery(strings.Split(*regions, ","), nil)
	if err != nil {
		return err
	}
	if !env.conf.Accounts.Self() && len(q.Regions) > 0 {
		return cloudscope.Invalid("regions", "a scan of several accounts reads every enabled region of each; leave out --regions, or scan --accounts self")
	}
	clients, err := loadClients(ctx)
	if err != nil {
		return err
	}
	progress := func(p scan.Progress) {
		if p.Regions > 0 {
			fmt.Fprintf(env.stderr, "%-8s [%d/%d regions] %s\n", p.Step, p.RegionsDone, p.Regions, p.Detail)
			return
		}
		fmt.Fprintf(env.stderr, "%-8s %s\n", p.Step, p.Detail)
	}
	// A partial scan is not stored: as the newest snapshot it would make
	// every other region's findings look resolved, and new again the day after.
	local, closeState, err := openState(env, *state)
	if err != nil {
		return err
	}
	defer closeState()
	var store scan.Store
	var kept services.StateStore
	if len(q.Regions) == 0 {
		if kept, err = services.Store(env.conf, clients, local.Store); err != nil {
			return err
		}
		store = kept
	}
	costSvc := services.Costs(env.conf, clients, local.CostCache)
	var res *scan.Result
	if env.conf.Accounts.Self() {
		res, err = services.Scanner(env.conf, clients, store, costSvc, local.Records, progress).Run(ctx, scan.NewID("cli", time.Now()), q.Regions)
	} else {
		// Every account the setting selects, shard by shard in this process.
		parts, perr := services.PartStore(kept)
		if perr != nil {
			return perr
		}
		res, err = services.Fleet(env.conf, clients, kept, parts, costSvc, local.Records, progress).Scan(ctx, scan.NewID("cli", time.Now()), nil)
	}
	if err != nil {
		return err
	}
	snap := res.Snapshot
	fmt.Fprintf(env.stderr, "done     %d resources, %d findings, AWS calls %v\n", snap.Counts.Resources, snap.Counts.Findings, snap.Calls)
	for _, f := range snap.Errors {
		if f.AccountID != "" && !env.conf.Accounts.Self() {
			fmt.Fprintf(env.stderr, "warning: %s %s/%s: %s: %s\n", f.AccountID, f.Region, f.Service, f.Code, f.Message)
			continue
		}
		fmt.Fprintf(env.stderr, "warning: %s/%s: %s\n", f.Region, f.Service, f.Message)
	}
	if *asJSON {
		return printJSON(env.stdout, snap)
	}
	return printFindings(env.stdout, snap)
}

func printFindings(w io.Writer, s *cloudscope.Snapshot) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// The account column shows when the scan read accounts by name.
	withAccount := slices.ContainsFunc(s.Resources, func(r cloudscope.Resource) bool { return r.AccountID != "" }) ||
		slices.ContainsFunc(s.Findings, func(f cloudscope.Finding) bool { return f.AccountID != "" })
	if withAccount {
		fmt.Fprint(tw, "ACCOUNT\t")
	}
	fmt.Fprintln(tw, "SEVERITY\tRULE\tRESOURCE\tREGION\tFINDING")
	for _, f := range s.Findings {
		name := f.ResourceID
		if f.ResourceName != "" && f.ResourceName != f.ResourceID {
			name += " (" + f.ResourceName + ")"
		}
		if withAccount {
			fmt.Fprintf(tw, "%s\t", dash(f.AccountID))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Rule, name, f.Region, f.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nscan %s: %d findings, %d rule checks undecided for lack of data\n", s.ID, len(s.Findings), len(s.Insufficient))
	if s.Costs != nil {
		fmt.Fprintf(w, "spend %s to %s: %s %s\n", s.Costs.Start, s.Costs.End, s.Costs.Total.Cents(), s.Costs.Currency)
	}
	return nil
}
