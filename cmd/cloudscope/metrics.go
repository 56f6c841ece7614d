package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
	"github.com/cloudscope/cloudscope/shared/services"
)

func metricsCmd(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("metrics")
	typ := fs.String("type", "", "resource type: ec2, rds, lambda or s3 (required)")
	ids := fs.String("ids", "", "comma-separated resource ids (required)")
	region := fs.String("region", "", "the resources' region (default: the configured AWS region)")
	hours := fs.String("hours", "24", "hours back from now, 1 to 10920")
	period := fs.String("period", "", "seconds per point, a multiple of 60 (default: chosen for at most 200 points)")
	stats := fs.String("stats", "", "comma-separated statistics to keep")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	clients, err := loadClients(ctx)
	if err != nil {
		return err
	}
	if *region == "" {
		*region = clients.DefaultRegion()
	}
	// The same validation as GET /metrics.
	req, err := metricquery.NewRequest(metricquery.RequestInput{Type: *typ, IDs: strings.Split(*ids, ","), Region: *region,
		Hours: *hours, Period: *period, Stats: strings.Split(*stats, ",")}, time.Now())
	if err != nil {
		return err
	}
	res, err := services.Metrics(env.conf, clients).Fetch(ctx, req)
	if err != nil {
		return err
	}
	env.log.Debug("metrics read", "queries", res.Queries, "cloudwatch_calls", res.Calls)
	if *asJSON {
		return printJSON(env.stdout, res)
	}
	return printMetrics(env.stdout, res)
}

// printMetrics prints one row per resource, metric and statistic: the latest
// value, the average and the maximum of the series.
func printMetrics(w io.Writer, res *metricquery.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tMETRIC\tSTAT\tUNIT\tPOINTS\tLATEST\tAVERAGE\tMAXIMUM")
	for _, rm := range res.Resources {
		if !rm.HasData {
			fmt.Fprintf(tw, "%s\t(no data in this window)\t\t\t0\t-\t-\t-\n", rm.ID)
			continue
		}
		for _, m := range rm.Metrics {
			for _, stat := range slices.Sorted(maps.Keys(m.Stats)) {
				pts := m.Stats[stat]
				if len(pts) == 0 {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t0\t-\t-\t-\n", rm.ID, m.Name, stat, m.Unit)
					continue
				}
				sum, top := 0.0, pts[0].V
				for _, p := range pts {
					sum += p.V
					top = max(top, p.V)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", rm.ID, m.Name, stat, m.Unit, len(pts),
					human(pts[len(pts)-1].V, m.Unit), human(sum/float64(len(pts)), m.Unit), human(top, m.Unit))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s, %s\n", res.Region, res.Window)
	return nil
}

// human formats a value for a table: bytes in binary units, others to 2 decimals.
func human(v float64, unit string) string {
	if unit == "Bytes" {
		for _, u := range []string{"B", "KiB", "MiB", "GiB", "TiB"} {
			if v < 1024 || u == "TiB" {
				return fmt.Sprintf("%.1f %s", v, u)
			}
			v /= 1024
		}
	}
	if v != 0 && v > -1 && v < 1 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
