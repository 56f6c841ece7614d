package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/services"
)

// savingsCmd prints the ledger of savings realized: what resolved findings
// saved a month and what is still open, by month, account and rule, and
// every entry (GET /savings, every page).
func savingsCmd(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("savings")
	months := fs.String("months", "", "calendar months back, this one included (default 12)")
	accountIDs := fs.String("accounts", "", "keep these account ids, separated by commas (default: every account)")
	rule := fs.String("rule", "", "keep this rule's findings")
	asJSON := fs.Bool("json", false, "print the answer as JSON instead of tables")
	state := stateFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	var ids []string
	if *accountIDs != "" {
		ids = strings.Split(*accountIDs, ",")
	}
	in := ledger.Input{Months: *months, Accounts: ids, Rule: *rule, Limit: fmt.Sprint(ledger.MaxLimit)}
	q, err := ledger.NewQuery(in, nil)
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
	svc := services.Savings(env.conf, clients, local.Records)
	ans, err := svc.Savings(ctx, q)
	if err != nil {
		return err
	}
	for ans.NextCursor != "" { // every page, into one answer
		in.Cursor = ans.NextCursor
		if q, err = ledger.NewQuery(in, nil); err != nil {
			return err
		}
		next, err := svc.Savings(ctx, q)
		if err != nil {
			return err
		}
		ans.Entries, ans.NextCursor = append(ans.Entries, next.Entries...), next.NextCursor
	}
	if *asJSON {
		return printJSON(env.stdout, ans)
	}
	return printSavings(env.stdout, ans)
}

func printSavings(w io.Writer, a *ledger.Answer) error {
	if a.Since == nil {
		fmt.Fprintln(w, "No scan has been recorded in the ledger yet: run `cloudscope scan` (twice, a day apart, to see what resolves).")
		return nil
	}
	fmt.Fprintf(w, "Saved so far: %s %s/month since %s (%s resolved)\n", a.Realized.Monthly.Cents(), a.Currency, a.Since.Format("2006-01-02"),
		plural(a.Realized.Findings, "finding"))
	fmt.Fprintf(w, "Still open:   %s %s/month (%s)\n\n", a.Open.Monthly.Cents(), a.Currency, plural(a.Open.Findings, "finding"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "MONTH\tREALIZED (%s)\tOPENED (%s)\t\n", a.Currency, a.Currency)
	for _, m := range sortedKeys(a.Realized.ByMonth) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", m, a.Realized.ByMonth[m].Cents(), a.Open.ByMonth[m].Cents())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, by := range []struct {
		name           string
		realized, open map[string]cloudscope.Amount
	}{{"ACCOUNT", a.Realized.ByAccount, a.Open.ByAccount}, {"RULE", a.Realized.ByRule, a.Open.ByRule}} {
		keys := sortedKeys(by.realized)
		for _, k := range sortedKeys(by.open) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 || (by.name == "ACCOUNT" && len(keys) == 1 && keys[0] == "") {
			continue
		}
		slices.Sort(keys)
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\tREALIZED (%s)\tOPEN (%s)\n", by.name, a.Currency, a.Currency)
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", dash(k), by.realized[k].Cents(), by.open[k].Cents())
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(a.Entries) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tMONTHLY\tRULE\tRESOURCE\tREGION\tFIRST SEEN\tRESOLVED")
	for _, e := range a.Entries {
		resolved := "-"
		if e.ResolvedAt != nil {
			resolved = e.ResolvedAt.Format("2006-01-02")
		}
		resource := e.ResourceID
		if e.AccountID != "" {
			resource = e.AccountID + "/" + resource
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.State, e.Monthly.Cents(), e.Rule, resource, e.Region, e.FirstSeen.Format("2006-01-02"), resolved)
	}
	return tw.Flush()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
