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
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

func resources(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("resources")
	regions := fs.String("regions", "", "comma-separated regions (default: every enabled region)")
	types := fs.String("types", "", "comma-separated types: "+cloudscope.TypeNames()+" (default: all)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The same validation as GET /resources.
	q, err := resourcequery.NewQuery(strings.Split(*regions, ","), strings.Split(*types, ","))
	if err != nil {
		return err
	}
	clients, err := loadClients(ctx)
	if err != nil {
		return err
	}
	opts := env.conf.Discovery
	opts.Budget = 10 * time.Minute // no gateway waits here: let a large account finish
	inv, err := discovery.New(discovery.ClientsFrom(clients), opts).Discover(ctx, q)
	if err != nil {
		return err
	}
	for _, f := range inv.Errors {
		fmt.Fprintf(env.stderr, "warning: %s/%s could not be read: %s\n", f.Region, f.Service, f.Message)
	}
	if *asJSON {
		return printJSON(env.stdout, inv)
	}
	return printResources(env.stdout, inv)
}

func printResources(w io.Writer, inv *resourcequery.Inventory) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	withAccount := slices.ContainsFunc(inv.Resources, func(r cloudscope.Resource) bool { return r.AccountID != "" })
	if withAccount {
		fmt.Fprint(tw, "ACCOUNT\t")
	}
	fmt.Fprintln(tw, "TYPE\tREGION\tID\tNAME\tSTATE\tSIZE\tCREATED")
	byType := map[cloudscope.ResourceType]int{}
	for _, r := range inv.Resources {
		byType[r.Type]++
		created := ""
		if r.CreatedAt != nil {
			created = r.CreatedAt.UTC().Format("2006-01-02")
		}
		if withAccount {
			fmt.Fprintf(tw, "%s\t", dash(r.AccountID))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Type, r.Region, r.ID, dash(r.Name), dash(r.State), dash(size(r)), dash(created))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, t := range cloudscope.ResourceTypes {
		if n := byType[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, t))
		}
	}
	fmt.Fprintf(w, "\n%s in %s", plural(len(inv.Resources), "resource"), plural(len(inv.Regions), "region"))
	if len(parts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
	return nil
}

// size is the one-word size of a resource: its instance type, class or memory.
func size(r cloudscope.Resource) string {
	switch {
	case r.EC2 != nil:
		return r.EC2.InstanceType
	case r.RDS != nil:
		return fmt.Sprintf("%s %dGB", r.RDS.InstanceClass, r.RDS.AllocatedStorageGB)
	case r.Lambda != nil:
		return fmt.Sprintf("%dMB", r.Lambda.MemoryMB)
	case r.Volume != nil:
		attached := "unattached"
		if len(r.Volume.AttachedTo) > 0 {
			attached = "on " + strings.Join(r.Volume.AttachedTo, ",")
		}
		return fmt.Sprintf("%s %dGB %s", r.Volume.VolumeType, r.Volume.SizeGB, attached)
	case r.VolumeBackup != nil:
		return fmt.Sprintf("%dGB %d AMIs", r.VolumeBackup.SizeGB, len(r.VolumeBackup.Images))
	case r.Address != nil:
		return r.Address.PublicIP
	case r.LoadBalancer != nil:
		return fmt.Sprintf("%s %d/%d healthy", r.LoadBalancer.Kind, r.LoadBalancer.HealthyTargets, r.LoadBalancer.Targets)
	case r.Table != nil:
		if r.Table.BillingMode == "PROVISIONED" {
			return fmt.Sprintf("%d RCU %d WCU", r.Table.ReadCapacityUnits, r.Table.WriteCapacityUnits)
		}
		return "on demand"
	}
	return ""
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
