package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

// scanCmd runs exactly what the scheduled scan runs (plan, shards,
// finalize), its shards in this process, with progress on stderr and the
// findings on stdout.
func scanCmd(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("scan")
	regions := fs.String("regions", "", "comma-separated regions to read of each account: a partial scan, printed but not stored "+
		"(default: every enabled region, or "+appconfig.EnvRegions+", stored)")
	skip := fs.String("skip-regions", "", "comma-separated regions never to read, such as those a service control policy denies: "+
		"printed but not stored (env "+appconfig.EnvSkipRegions+", stored)")
	asJSON := fs.Bool("json", false, "print the snapshot as JSON, resources included, instead of a table")
	state := stateFlag(fs, env)
	accountsFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	// Regions named here, rather than in the settings, make a partial scan
	// of a moment: printed, never stored (as the newest snapshot it would
	// make every other region's findings look resolved, and new again the
	// day after).
	adhoc := strings.TrimSpace(*regions) != "" || strings.TrimSpace(*skip) != ""
	if adhoc {
		// A list named here replaces the setting's; the other stays.
		conf := env.conf.Discovery.Regions
		if strings.TrimSpace(*regions) == "" {
			*regions = strings.Join(conf.Only, ",")
		}
		if strings.TrimSpace(*skip) == "" {
			*skip = strings.Join(conf.Skip, ",")
		}
		f, err := resourcequery.ParseRegionFilter(*regions, *skip)
		if err != nil {
			return err
		}
		env.conf.Discovery.Regions = f
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
	local, closeState, err := openState(env, *state, clients)
	if err != nil {
		return err
	}
	defer closeState()
	var kept services.StateStore
	if !adhoc {
		if kept, err = services.Store(env.conf, clients, local.Store); err != nil {
			return err
		}
	}
	costSvc := services.Costs(env.conf, clients, local.CostCache)
	// Every scan is the engine: the plan (the setting's accounts, self by
	// default, by their regions), every shard in this process, the
	// finalize; a partial scan's parts and snapshot only in memory.
	if adhoc {
		kept = memstore.New()
	}
	parts, err := services.PartStore(kept)
	if err != nil {
		return err
	}
	res, err := services.Engine(env.conf, clients, kept, parts, costSvc, local.Records, progress).Scan(ctx, scan.NewID("cli", time.Now()), nil)
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
		// The snapshot holds no resources: its parts do, in the store. They
		// are printed in place, chunk by chunk.
		return printSnapshotJSON(env.stdout, snap, func(fn func([]cloudscope.Resource) error) error {
			return kept.ResourceChunks(ctx, snap.ID, nil, fn)
		})
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

// printSnapshotJSON prints snap as printJSON prints it, its resources read
// from chunks as they come (a scan of an organization may hold a million:
// never all in memory at once) instead of snap.Resources.
func printSnapshotJSON(w io.Writer, snap *cloudscope.Snapshot, chunks func(func([]cloudscope.Resource) error) error) error {
	head := *snap
	head.Resources = []cloudscope.Resource{}
	var doc bytes.Buffer
	if err := printJSON(&doc, &head); err != nil {
		return err
	}
	// The one top-level "resources" array (any other "resources" is a
	// count, or escaped inside a string).
	const empty = "\n  \"resources\": [],\n"
	at := bytes.Index(doc.Bytes(), []byte(empty))
	if at < 0 {
		return fmt.Errorf("print the snapshot: no resources field in its JSON")
	}
	out := bufio.NewWriter(w)
	out.Write(doc.Bytes()[:at])
	out.WriteString("\n  \"resources\": [")
	n := 0
	err := chunks(func(rs []cloudscope.Resource) error {
		for i := range rs {
			b, err := json.MarshalIndent(&rs[i], "    ", "  ")
			if err != nil {
				return err
			}
			if n > 0 {
				out.WriteByte(',')
			}
			out.WriteString("\n    ")
			out.Write(b)
			n++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("print the snapshot's resources: %w", err)
	}
	if n > 0 {
		out.WriteString("\n  ")
	}
	out.WriteString("],\n")
	out.Write(doc.Bytes()[at+len(empty):])
	return out.Flush()
}
