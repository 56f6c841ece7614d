package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/services"
)

func costsCmd(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("costs")
	days := fs.String("days", "", "days back from today (default 30)")
	start := fs.String("start", "", "first day, YYYY-MM-DD (with --end)")
	end := fs.String("end", "", "day after the last, YYYY-MM-DD (exclusive)")
	groupBy := fs.String("group-by", "", "SERVICE (default), REGION, LINKED_ACCOUNT, USAGE_TYPE or TAG:<key>")
	granularity := fs.String("granularity", "", "DAILY (default) or MONTHLY")
	metric := fs.String("metric", "", "UnblendedCost (default), AmortizedCost, NetUnblendedCost or BlendedCost")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	clients, err := loadClients(ctx)
	if err != nil {
		return err
	}
	svc := services.Costs(env.conf, clients, nil)
	q, err := costquery.NewQuery(costquery.QueryInput{Days: *days, Start: *start, End: *end, Granularity: *granularity, GroupBy: *groupBy, Metric: *metric}, svc.Now())
	if err != nil {
		return err
	}
	rep, err := svc.Report(ctx, q)
	if err != nil {
		return err
	}
	if rep.CacheError != "" {
		fmt.Fprintf(env.stderr, "warning: the cost cache failed (%s); each answer is a billed request until it is fixed\n", rep.CacheError)
	}
	if rep.Requests > 0 {
		fmt.Fprintf(env.stderr, "this answer took %d Cost Explorer request(s), billed at $0.01 each\n", rep.Requests)
	}
	if *asJSON {
		return printJSON(env.stdout, rep)
	}
	return printCosts(env.stdout, rep)
}

func printCosts(w io.Writer, r *costquery.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tAMOUNT (%s)\tSHARE\t\n", r.GroupBy, r.Currency)
	var shown cloudscope.Amount
	for _, g := range r.Groups {
		cents, _ := cloudscope.ParseAmount(g.Amount.Cents())
		shown = shown.Add(cents)
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t\n", g.Key, cents.Cents(), 100*g.Share)
	}
	// Rows rounded to the cent need not add up to the exact total: say by how much.
	total, _ := cloudscope.ParseAmount(r.Total.Cents())
	if diff := total.Sub(shown); !diff.IsZero() {
		fmt.Fprintf(tw, "(rounding)\t%s\t\t\n", diff.Cents())
	}
	fmt.Fprintf(tw, "TOTAL\t%s\t\t\n", r.Total.Cents())
	if err := tw.Flush(); err != nil {
		return err
	}
	estimated := 0
	for _, p := range r.Periods {
		if p.Estimated {
			estimated++
		}
	}
	fmt.Fprintf(w, "\n%s to %s (end exclusive), %s %s", r.Start, r.End, r.Granularity, r.Metric)
	if estimated > 0 {
		fmt.Fprintf(w, "; %d period(s) still estimated", estimated)
	}
	fmt.Fprintln(w)
	return nil
}
