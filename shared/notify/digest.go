package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// DigestSchemaID names the weekly digest document's version.
const DigestSchemaID = "cloudscope.digest/v1"

// Digest is what the weekly digest tells of. Whoever gathers it (the scan
// function on its weekly schedule) fills it in; Renderer.Digest renders it.
type Digest struct {
	// Start and End bound the week: the seven whole days (UTC) before the
	// day the digest is made; End is exclusive. At is when it was made.
	Start, End, At time.Time
	// Spend is this week's spend against last week's by service; nil when
	// it could not be read, and SpendError says why.
	Spend      *Spend
	SpendError string
	// Latest is the newest snapshot: the open findings; nil before the
	// first scan. Base is the snapshot about a week older that the week's
	// new and resolved findings are counted from; nil when there is none.
	Latest, Base *cloudscope.Snapshot
	// Scans are the headers of the snapshots stored within the week.
	Scans []cloudscope.SnapshotHeader
	// Anomalies are the spend anomalies whose last day is within the week.
	Anomalies []cloudscope.Anomaly
	// Saved is the ledger of savings realized; nil when there is none, or
	// it has recorded no scan yet.
	Saved *Saved
}

// Saved is what the findings resolved save a month: in all since the
// ledger began, and those resolved within the week.
type Saved struct {
	Currency         string
	Since            time.Time
	Monthly          cloudscope.Amount
	Findings         int
	ThisWeek         cloudscope.Amount
	ThisWeekFindings int
}

// Spend is two weeks of spend by service.
type Spend struct {
	Currency string
	Metric   string // UnblendedCost
	// ThisWeek and LastWeek are the periods compared (YYYY-MM-DD, End exclusive).
	ThisWeek, LastWeek Period
	Services           []ServiceSpend
	// Estimated: some of the days are Cost Explorer's estimates, which may
	// still change.
	Estimated bool
}

// Period is a range of days, End exclusive.
type Period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// ServiceSpend is one service's spend in each week.
type ServiceSpend struct {
	Service            string
	ThisWeek, LastWeek cloudscope.Amount
}

// DigestDocument is the digest's JSON body for programs.
type DigestDocument struct {
	Schema     string    `json:"schema"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	At         time.Time `json:"generated_at"`
	Spend      *SpendDoc `json:"spend"`
	SpendError string    `json:"spend_error,omitempty"`
	Open       *OpenDoc  `json:"open_findings"`
	// Changes are the findings new (or worse) and resolved from Base to
	// Latest; null when there is no older snapshot to compare with.
	Changes *ChangesDoc `json:"changes"`
	// PotentialSavings is always null in v1, which came before savings:
	// they are in open_findings.savings and changes.savings_new and
	// savings_realized (added within v1).
	PotentialSavings *struct{} `json:"potential_savings"`
	Scans            ScansDoc  `json:"scans"`
	Links            DocLinks  `json:"links"`
	// Anomalies are the week's spend anomalies (added within v1; absent
	// when none).
	Anomalies []AnomalyEntry `json:"anomalies,omitempty"`
	// SavingsRealized is the ledger's savings realized; absent when there
	// is no ledger, or it has recorded no scan yet.
	SavingsRealized *SavedDoc `json:"savings_realized,omitempty"`
}

// SavedDoc is what the findings resolved save a month, since the ledger
// began and within the week.
type SavedDoc struct {
	Currency         string            `json:"currency"`
	Since            time.Time         `json:"since"`
	Monthly          cloudscope.Amount `json:"monthly"`
	Findings         int               `json:"findings"`
	ThisWeek         cloudscope.Amount `json:"this_week"`
	ThisWeekFindings int               `json:"this_week_findings"`
}

// SpendDoc compares this week's spend with last week's.
type SpendDoc struct {
	Currency  string            `json:"currency"`
	Metric    string            `json:"metric"`
	ThisWeek  WeekSpend         `json:"this_week"`
	LastWeek  WeekSpend         `json:"last_week"`
	Change    cloudscope.Amount `json:"change"`
	Estimated bool              `json:"estimated"`
	// Services are sorted by this week's amount, largest first.
	Services []ServiceDoc `json:"services"`
}

// WeekSpend is one week's total.
type WeekSpend struct {
	Period
	Total cloudscope.Amount `json:"total"`
}

// ServiceDoc is one service's spend in each week, and the change.
type ServiceDoc struct {
	Service  string            `json:"service"`
	ThisWeek cloudscope.Amount `json:"this_week"`
	LastWeek cloudscope.Amount `json:"last_week"`
	Change   cloudscope.Amount `json:"change"`
}

// OpenDoc counts the findings of the newest snapshot, and their potential
// savings a month, each resource counted once (added within v1).
type OpenDoc struct {
	SnapshotID string         `json:"snapshot_id"`
	FinishedAt time.Time      `json:"finished_at"`
	Counts     SeverityCounts `json:"counts"`
	Savings    SavingsTotal   `json:"savings"`
}

// ChangesDoc lists the week's new and resolved findings, most severe
// first; past the size limit the least severe are left out and counted.
type ChangesDoc struct {
	BaseSnapshotID  string         `json:"base_snapshot_id"`
	BaseFinishedAt  time.Time      `json:"base_finished_at"`
	HeadSnapshotID  string         `json:"head_snapshot_id"`
	NewCounts       SeverityCounts `json:"new_counts"`
	New             []FindingEntry `json:"new"`
	NewOmitted      int            `json:"new_omitted"`
	ResolvedCounts  SeverityCounts `json:"resolved_counts"`
	Resolved        []FindingEntry `json:"resolved"`
	ResolvedOmitted int            `json:"resolved_omitted"`
	// SavingsNew and SavingsRealized are the monthly savings of the new
	// and of the resolved findings, each resource counted once, as the
	// snapshot diff counts them (added within v1).
	SavingsNew      cloudscope.Amount `json:"savings_new"`
	SavingsRealized cloudscope.Amount `json:"savings_realized"`
}

// ScansDoc tells of the week's scans: how many snapshots were stored,
// which read only part of the account, and the days with none (a scan that
// failed everywhere is kept for inspection only, so it leaves its day
// without a snapshot).
type ScansDoc struct {
	Stored          int           `json:"stored"`
	Partial         []PartialScan `json:"partial"`
	DaysWithoutScan []string      `json:"days_without_scan"`
}

// PartialScan is a scan that could not read some regions or services.
type PartialScan struct {
	ScanID     string    `json:"scan_id"`
	FinishedAt time.Time `json:"finished_at"`
	Unread     int       `json:"unread"` // regions or services it could not read
}

const dayLayout = "2006-01-02"

// digestFacts are what both bodies and the chat say, worked out once.
type digestFacts struct {
	d                 Digest
	links             Links
	idx               accountIndex
	spend             *SpendDoc
	open              *OpenDoc
	openFindings      []cloudscope.Finding
	news, resolved    []cloudscope.Finding
	newC, resolvedC   SeverityCounts
	savingsNew        cloudscope.Amount
	savingsRealized   cloudscope.Amount
	scans             ScansDoc
	diffLink, dayLink string
}

func facts(d Digest, links Links) *digestFacts {
	f := &digestFacts{d: d, links: links, idx: accountsOf(d.Latest, d.Base)}
	if s := d.Spend; s != nil {
		doc := &SpendDoc{Currency: s.Currency, Metric: s.Metric, Estimated: s.Estimated, Services: []ServiceDoc{},
			ThisWeek: WeekSpend{Period: s.ThisWeek}, LastWeek: WeekSpend{Period: s.LastWeek}}
		for _, sv := range s.Services {
			doc.ThisWeek.Total = doc.ThisWeek.Total.Add(sv.ThisWeek)
			doc.LastWeek.Total = doc.LastWeek.Total.Add(sv.LastWeek)
			doc.Services = append(doc.Services, ServiceDoc{Service: sv.Service, ThisWeek: sv.ThisWeek, LastWeek: sv.LastWeek, Change: sv.ThisWeek.Sub(sv.LastWeek)})
		}
		slices.SortStableFunc(doc.Services, func(a, b ServiceDoc) int {
			return cmp.Or(b.ThisWeek.Cmp(a.ThisWeek), b.LastWeek.Cmp(a.LastWeek), cmp.Compare(a.Service, b.Service))
		})
		doc.Change = doc.ThisWeek.Total.Sub(doc.LastWeek.Total)
		f.spend = doc
	}
	if l := d.Latest; l != nil {
		f.openFindings = l.Findings
		f.open = &OpenDoc{SnapshotID: l.ID, FinishedAt: l.FinishedAt.UTC(), Counts: countOf(l.Findings), Savings: savingsTotal(l.Findings)}
		if d.Base != nil {
			diff := cloudscope.CompareSnapshots(d.Base, l)
			f.news = append(append([]cloudscope.Finding{}, diff.FindingsNew...), diff.FindingsWorse...)
			cloudscope.SortFindings(f.news)
			f.resolved = diff.FindingsResolved
			cloudscope.SortFindings(f.resolved)
			f.newC, f.resolvedC = countOf(f.news), countOf(f.resolved)
			f.savingsNew, f.savingsRealized = diff.SavingsNew, diff.SavingsRealized
			f.diffLink = links.Diff(d.Base.ID, l.ID)
		}
	}
	f.scans = ScansDoc{Stored: len(d.Scans), Partial: []PartialScan{}, DaysWithoutScan: []string{}}
	byDay := map[string]bool{}
	for _, h := range d.Scans {
		byDay[h.FinishedAt.UTC().Format(dayLayout)] = true
		if len(h.Errors) > 0 || h.Outcome == cloudscope.OutcomePartial {
			f.scans.Partial = append(f.scans.Partial, PartialScan{ScanID: h.ID, FinishedAt: h.FinishedAt.UTC(), Unread: len(h.Errors)})
		}
	}
	slices.SortFunc(f.scans.Partial, func(a, b PartialScan) int { return a.FinishedAt.Compare(b.FinishedAt) })
	for day := d.Start.UTC(); day.Before(d.End); day = day.AddDate(0, 0, 1) {
		if s := day.Format(dayLayout); !byDay[s] {
			f.scans.DaysWithoutScan = append(f.scans.DaysWithoutScan, s)
		}
	}
	return f
}

// Digest renders the weekly digest. Past the size limit the least severe
// of the week's new and resolved findings are left out, and counted.
func (r Renderer) Digest(d Digest) cloudscope.Message {
	links := NewLinks(r.DashboardURL)
	f := facts(d, links)
	openC := countOf(f.openFindings)
	accounts, rules := f.idx.accountsAndRules(f.openFindings)
	attrs, lists := attributes(KindDigest, openC, len(f.news), accounts, rules)
	subject := "cloudscope weekly digest, " + d.Start.UTC().Format(dayLayout) + " to " + d.End.UTC().AddDate(0, 0, -1).Format(dayLayout)
	doc := DigestDocument{Schema: DigestSchemaID, Start: d.Start.UTC(), End: d.End.UTC(), At: d.At.UTC(), Spend: f.spend, SpendError: d.SpendError,
		Open: f.open, Scans: f.scans, Links: DocLinks{Dashboard: links.Findings(), Diff: f.diffLink}}
	if f.open != nil {
		doc.Links.Snapshot = links.Snapshot(f.open.SnapshotID)
	}
	for _, a := range d.Anomalies {
		doc.Anomalies = append(doc.Anomalies, anomalyEntry(a))
	}
	if v := d.Saved; v != nil {
		doc.SavingsRealized = &SavedDoc{Currency: v.Currency, Since: v.Since.UTC(), Monthly: v.Monthly, Findings: v.Findings,
			ThisWeek: v.ThisWeek, ThisWeekFindings: v.ThisWeekFindings}
	}
	n := max(len(f.news), len(f.resolved))
	render := func(k int) cloudscope.Message {
		if d.Base != nil && d.Latest != nil {
			c := &ChangesDoc{BaseSnapshotID: d.Base.ID, BaseFinishedAt: d.Base.FinishedAt.UTC(), HeadSnapshotID: d.Latest.ID,
				NewCounts: f.newC, New: []FindingEntry{}, ResolvedCounts: f.resolvedC, Resolved: []FindingEntry{},
				SavingsNew: f.savingsNew, SavingsRealized: f.savingsRealized}
			for _, x := range f.news[:min(k, len(f.news))] {
				c.New = append(c.New, entry(x, f.idx.of(x), links.Finding(x.ID)))
			}
			for _, x := range f.resolved[:min(k, len(f.resolved))] {
				c.Resolved = append(c.Resolved, entry(x, f.idx.of(x), "")) // resolved: nothing to open
			}
			c.NewOmitted, c.ResolvedOmitted = len(f.news)-len(c.New), len(f.resolved)-len(c.Resolved)
			doc.Changes = c
		}
		return cloudscope.Message{Subject: subject, Attributes: attrs, Lists: lists,
			Bodies: map[string]string{cloudscope.BodyDefault: string(marshal(doc)), cloudscope.BodyEmail: f.email(k)}}
	}
	m := fit(n, r.max(), render)
	m.Chat = f.chat()
	return m
}

// emailServices is how many services the e-mail lists (the JSON has all).
const emailServices = 10

func pct(change, of cloudscope.Amount) string {
	if of.IsZero() {
		return ""
	}
	return fmt.Sprintf(" (%+.1f%%)", change.Ratio(of)*100)
}

func signed(a cloudscope.Amount) string {
	if a.Cmp(cloudscope.Amount{}) >= 0 {
		return "+" + a.Cents()
	}
	return a.Cents()
}

func (f *digestFacts) email(k int) string {
	d := f.d
	var b strings.Builder
	fmt.Fprintf(&b, "cloudscope's weekly digest for %s to %s.\n", d.Start.UTC().Format(dayLayout), d.End.UTC().AddDate(0, 0, -1).Format(dayLayout))
	if f.links.Enabled() {
		fmt.Fprintf(&b, "Dashboard: %s\n", f.links.Findings())
	}

	b.WriteString("\nSPEND\n\n")
	if s := f.spend; s != nil {
		fmt.Fprintf(&b, "This week (%s to %s): %s %s\n", s.ThisWeek.Start, lastDay(s.ThisWeek.End), s.ThisWeek.Total.Cents(), s.Currency)
		fmt.Fprintf(&b, "Last week (%s to %s): %s %s\n", s.LastWeek.Start, lastDay(s.LastWeek.End), s.LastWeek.Total.Cents(), s.Currency)
		fmt.Fprintf(&b, "Change: %s %s%s\n", signed(s.Change), s.Currency, pct(s.Change, s.LastWeek.Total))
		if len(s.Services) > 0 {
			b.WriteString("\nBy service, this week (last week, change):\n")
			for _, sv := range s.Services[:min(len(s.Services), emailServices)] {
				fmt.Fprintf(&b, "- %s: %s (%s, %s)\n", sv.Service, sv.ThisWeek.Cents(), sv.LastWeek.Cents(), signed(sv.Change))
			}
			if n := len(s.Services) - emailServices; n > 0 {
				fmt.Fprintf(&b, "- and %s\n", plural(n, "more service", "more services"))
			}
		}
		if s.Estimated {
			b.WriteString("Some of these days are Cost Explorer's estimates, which may still change.\n")
		}
	} else {
		fmt.Fprintf(&b, "Spend could not be read this time: %s\n", orElse(d.SpendError, "no cost data"))
	}

	b.WriteString("\nOPEN FINDINGS\n\n")
	if o := f.open; o != nil {
		fmt.Fprintf(&b, "%s in the newest snapshot, %s (%s): %s.\n", plural(o.Counts.Total, "finding", "findings"), o.SnapshotID,
			o.FinishedAt.Format(timeLayout), countsText(o.Counts))
	} else {
		b.WriteString("No scan has finished yet.\n")
	}

	b.WriteString("\nTHIS WEEK'S CHANGES\n")
	if d.Base == nil || d.Latest == nil {
		b.WriteString("\nNo snapshot from a week ago to compare with yet.\n")
	} else {
		fmt.Fprintf(&b, "\nFrom snapshot %s (%s) to %s: %s new or worse, %s resolved.\n", d.Base.ID, d.Base.FinishedAt.UTC().Format(timeLayout), d.Latest.ID,
			plural(len(f.news), "finding", "findings"), itoa(len(f.resolved)))
		if f.diffLink != "" {
			fmt.Fprintf(&b, "What changed: %s\n", f.diffLink)
		}
		news, resolved := f.news[:min(k, len(f.news))], f.resolved[:min(k, len(f.resolved))]
		if len(news) > 0 {
			b.WriteString("\nNew or worse:\n")
			bySeverity(&b, news, func(x cloudscope.Finding) { findingLines(&b, x, f.idx.of(x), f.links.Finding(x.ID)) })
		}
		if len(resolved) > 0 {
			b.WriteString("\nResolved:\n")
			bySeverity(&b, resolved, func(x cloudscope.Finding) { resolvedLine(&b, x, f.idx.of(x)) })
		}
		if n := len(f.news) - len(news) + len(f.resolved) - len(resolved); n > 0 {
			fmt.Fprintf(&b, "\n%s left out of this message to keep it within SNS's size limit (the least severe); the dashboard's History panel has them all.\n",
				plural(n, "more finding is", "more findings are"))
		}
	}

	anomaliesEmail(&b, d.Anomalies)
	b.WriteString("\nPOTENTIAL SAVINGS\n\n")
	b.WriteString(f.savingsText())

	if v := d.Saved; v != nil {
		fmt.Fprintf(&b, "\nSAVED SO FAR\n\n%s %s/month since %s (%s resolved); this week %s %s/month (%s).\n", v.Monthly.Cents(), v.Currency,
			v.Since.UTC().Format(dayLayout), plural(v.Findings, "finding", "findings"), v.ThisWeek.Cents(), v.Currency, plural(v.ThisWeekFindings, "finding", "findings"))
	}

	b.WriteString("\nSCANS\n\n")
	fmt.Fprintf(&b, "%s stored this week.\n", plural(f.scans.Stored, "snapshot", "snapshots"))
	for _, p := range f.scans.Partial {
		fmt.Fprintf(&b, "- Scan %s (%s) could not read %s.\n", p.ScanID, p.FinishedAt.Format(timeLayout), plural(p.Unread, "region or service", "regions or services"))
	}
	if days := f.scans.DaysWithoutScan; len(days) > 0 {
		fmt.Fprintf(&b, "No snapshot was stored on %s: the scan failed or did not run (the state machine's executions say which).\n", strings.Join(days, ", "))
	}
	b.WriteString("\n-- \nYou get this as a subscriber of cloudscope's findings topic. Programs get the same digest as a JSON document (schema " +
		DigestSchemaID + ") by subscribing with sqs, lambda, https or email-json.\n")
	return b.String()
}

// savingsText is the e-mail's potential savings: those of the open
// findings, and those of the week's new and resolved ones, each resource
// counted once.
func (f *digestFacts) savingsText() string {
	o := f.open
	if o == nil {
		return "No scan has finished yet.\n"
	}
	var b strings.Builder
	if line := savingsLine(o.Savings); line != "" {
		fmt.Fprintf(&b, "Open findings: %s.\n", strings.TrimPrefix(line, "Potential savings: "))
	} else {
		b.WriteString("Open findings: none with a saving.\n")
	}
	if f.d.Base != nil {
		fmt.Fprintf(&b, "This week: %s %s/month new, %s %s/month realized (resolved findings).\n",
			f.savingsNew.Cents(), o.Savings.Currency, f.savingsRealized.Cents(), o.Savings.Currency)
	}
	b.WriteString("Each resource counts once, at its largest saving.\n")
	return b.String()
}

func resolvedLine(b *strings.Builder, f cloudscope.Finding, account string) {
	where := f.Region
	if account != "" {
		where += ", account " + account
	}
	fmt.Fprintf(b, "- %s, %s: %s (no longer).\n", resource(f), where, strings.TrimSuffix(f.Title, "."))
}

func lastDay(end string) string {
	t, err := time.Parse(dayLayout, end)
	if err != nil {
		return end
	}
	return t.AddDate(0, 0, -1).Format(dayLayout)
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (f *digestFacts) chat() string {
	d := f.d
	var b strings.Builder
	title := "cloudscope weekly digest"
	if s := f.spend; s != nil {
		title += fmt.Sprintf(": %s %s spent%s", s.ThisWeek.Total.Cents(), s.Currency, pct(s.Change, s.LastWeek.Total))
		fmt.Fprintf(&b, "*Spend* this week %s %s, last week %s (%s).\n", s.ThisWeek.Total.Cents(), s.Currency, s.LastWeek.Total.Cents(), signed(s.Change))
		for _, sv := range s.Services[:min(len(s.Services), 5)] {
			fmt.Fprintf(&b, "• %s: %s (%s)\n", mdEscape.Replace(sv.Service), sv.ThisWeek.Cents(), signed(sv.Change))
		}
	} else {
		b.WriteString("*Spend* could not be read this time.\n")
	}
	if o := f.open; o != nil {
		fmt.Fprintf(&b, "\n*Open findings*: %s (snapshot `%s`).\n", chatCounts(o.Counts), o.SnapshotID)
	}
	if d.Base != nil && d.Latest != nil {
		fmt.Fprintf(&b, "*This week*: %d new or worse, %d resolved.\n", len(f.news), len(f.resolved))
		lines := []string{}
		accounts, _ := f.idx.accountsAndRules(f.news)
		for _, x := range f.news[:min(len(f.news), 5)] {
			account := ""
			if len(accounts) > 1 {
				account = f.idx.of(x)
			}
			lines = append(lines, chatFinding(x, account))
		}
		if n := chatList(&b, lines, ChatDescriptionMax-200); n < len(f.news) {
			fmt.Fprintf(&b, "_…and %d more new or worse._\n", len(f.news)-n)
		}
	}
	if v := d.Saved; v != nil {
		fmt.Fprintf(&b, "*Saved so far*: %s %s/month since %s (%s this week).\n", v.Monthly.Cents(), v.Currency, v.Since.UTC().Format(dayLayout), v.ThisWeek.Cents())
	}
	fmt.Fprintf(&b, "*Scans*: %d stored", f.scans.Stored)
	if n := len(f.scans.Partial); n > 0 {
		fmt.Fprintf(&b, ", %d partial", n)
	}
	if n := len(f.scans.DaysWithoutScan); n > 0 {
		fmt.Fprintf(&b, ", %s without one", plural(n, "day", "days"))
	}
	if o := f.open; o != nil && o.Savings.Priced > 0 {
		fmt.Fprintf(&b, ". Potential savings: %s %s/month.", o.Savings.Monthly.Cents(), o.Savings.Currency)
	} else {
		b.WriteString(".")
	}
	var next []string
	if f.links.Enabled() {
		next = append(next, "Open the findings: "+f.links.Findings())
		if f.diffLink != "" {
			next = append(next, "See the week's changes: "+f.diffLink)
		}
	} else {
		next = append(next, "Open the cloudscope dashboard's Costs and History panels")
	}
	keywords := []string{"weekly-digest"}
	if o := f.open; o != nil {
		for _, s := range cloudscope.Severities {
			if o.Counts.of(s) > 0 {
				keywords = append(keywords, string(s))
			}
		}
	}
	return newChat("digest-"+d.End.UTC().Format(dayLayout), title, description(b.String()), "cloudscope.digest", next, keywords,
		map[string]string{"week_start": d.Start.UTC().Format(dayLayout), "schema": DigestSchemaID})
}

// description bounds a chat description at ChatDescriptionMax bytes, at a
// line's end where there is one.
func description(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= ChatDescriptionMax {
		return s
	}
	const more = "\n…"
	cut := strings.LastIndexByte(s[:ChatDescriptionMax-len(more)], '\n')
	if cut < 0 {
		cut = ChatDescriptionMax - len(more)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + more
}
