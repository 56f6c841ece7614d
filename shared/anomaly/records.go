package anomaly

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// Weeks is how much daily history the scan's cost query reads: the
// baseline's 8 weeks of the same weekday.
const Weeks = MaxWeeks

// NotifyDays is how recent a confirmed anomaly's last day must be for a
// notification to carry it: the first evaluation of an account finds
// weeks of old anomalies, which are history, not news.
const NotifyDays = 3

// Keep is how long an anomaly record is kept: as long as Cost Explorer
// keeps the bill (13 months).
const Keep = 400 * 24 * time.Hour

// Kind is the kv record kind: partition kv.Scope(account, Kind).
const recordKind = "anomaly"

// Options tune a Service.
type Options struct {
	Floors Floors
	Now    func() time.Time
}

// Service detects, explains, stores and lists anomalies.
type Service struct {
	store   kv.Store
	prices  Prices
	account func(context.Context) (string, error)
	opts    Options
}

// New returns a Service keeping its records in store, pricing the changes
// with prices (nil: every change unpriced), for the scanning identity that
// account names (nil: "local").
func New(store kv.Store, prices Prices, account func(context.Context) (string, error), opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Floors == (Floors{}) {
		opts.Floors = DefaultFloors
	}
	return &Service{store: store, prices: prices, account: account, opts: opts}
}

// Query is the daily scan's cost query: the last Weeks weeks and today
// (Estimated, under way: found the day its bill lands), daily, by region
// and service, or, in an organization scan, by linked account and service
// (Cost Explorer groups by two dimensions at most).
func Query(now time.Time, org bool) costquery.Query {
	today := now.UTC().Truncate(24 * time.Hour)
	q := costquery.Query{Start: today.AddDate(0, 0, -7*Weeks).Format(costquery.DateLayout), End: today.AddDate(0, 0, 1).Format(costquery.DateLayout),
		Granularity: "DAILY", GroupBy: "REGION", ThenBy: "SERVICE", Metric: "UnblendedCost"}
	if org {
		q.GroupBy = "LINKED_ACCOUNT"
	}
	return q
}

// Query is the service's cost query at its clock's now.
func (s *Service) Query(org bool) costquery.Query { return Query(s.opts.Now(), org) }

func (s *Service) partition(ctx context.Context) (string, error) {
	acct := ""
	if s.account != nil {
		a, err := s.account(ctx)
		if err != nil {
			return "", fmt.Errorf("whose anomalies: %w", err)
		}
		acct = a
	}
	return kv.Scope(acct, recordKind), nil
}

// seriesKey names one series of a report.
type seriesKey struct{ account, service, region string }

// seriesOf splits rep into its series, every day of the report present.
func seriesOf(rep *costquery.Report, today string) (map[seriesKey]*Series, []string) {
	dates := make([]string, len(rep.Periods))
	estimated := make([]bool, len(rep.Periods))
	for i, p := range rep.Periods {
		dates[i], estimated[i] = p.Start, p.Estimated
	}
	partial := len(dates) > 0 && dates[len(dates)-1] >= today
	byGroup := map[string]*Series{} // by the report's group key: split once per series
	for i, p := range rep.Periods {
		for k, amt := range p.Groups {
			s := byGroup[k]
			if s == nil {
				s = &Series{Values: make([]float64, len(dates)), Estimated: estimated, PartialLast: partial}
				byGroup[k] = s
			}
			s.Values[i] += amt.Float64()
		}
	}
	out := make(map[seriesKey]*Series, len(byGroup))
	for k, s := range byGroup {
		sk := splitKey(rep.Query, k)
		if prev := out[sk]; prev != nil { // two keys of one series: add them
			for i, v := range s.Values {
				prev.Values[i] += v
			}
			continue
		}
		out[sk] = s
	}
	return out, dates
}

// splitKey reads a group key of q ("<GroupBy>, <ThenBy>": the first
// dimension's values, a region or an account id, hold no comma).
func splitKey(q costquery.Query, k string) seriesKey {
	first, second, ok := strings.Cut(k, ", ")
	if !ok || q.ThenBy == "" {
		first, second = "", k
	}
	sk := seriesKey{service: second}
	switch q.GroupBy {
	case "LINKED_ACCOUNT":
		sk.account = first
	case "REGION":
		sk.region = first
	case "SERVICE":
		sk.service = first
	}
	return sk
}

// ID names an anomaly: its series and first day.
func ID(account, service, region, start string) string {
	h := sha256.Sum256([]byte(account + "\x00" + service + "\x00" + region + "\x00" + start))
	return "an-" + hex.EncodeToString(h[:8])
}

// Result is what one evaluation found.
type Result struct {
	// Anomalies are every anomaly of the report's window, newest first.
	Anomalies []cloudscope.Anomaly
	// Notify are the confirmed ones no notification has carried yet,
	// whose last day is recent: MarkNotified once they are sent.
	Notify []cloudscope.Anomaly
	// Series counts the series evaluated.
	Series int
}

// Evaluate finds the anomalies of rep (a report of Query), explains the
// new and provisional ones from scans, stores them, and returns them.
// Stored anomalies of the window that the report no longer shows are
// resolved, or dropped when they were only provisional (an estimate
// revised away).
func (s *Service) Evaluate(ctx context.Context, rep *costquery.Report, scans Scans) (*Result, error) {
	part, err := s.partition(ctx)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC()
	today := now.Truncate(24 * time.Hour).Format(costquery.DateLayout)
	series, dates := seriesOf(rep, today)
	res := &Result{Series: len(series), Anomalies: []cloudscope.Anomaly{}, Notify: []cloudscope.Anomaly{}}
	if len(dates) == 0 {
		return res, nil
	}
	stored := map[string]cloudscope.Anomaly{}
	err = s.store.Query(ctx, part, "", dates[0], 0, func(it kv.Item) error {
		var a cloudscope.Anomaly
		if err := json.Unmarshal(it.Value, &a); err != nil {
			return fmt.Errorf("read anomaly %s: %w", it.Key.Sort, err)
		}
		stored[a.ID] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the stored anomalies: %w", err)
	}
	ex := newExplainer(scans, s.prices)
	seen := map[string]bool{}
	keys := make([]seriesKey, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b seriesKey) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.service, b.service), cmp.Compare(a.region, b.region))
	})
	var items []kv.Item
	recent := now.AddDate(0, 0, -NotifyDays).Format(costquery.DateLayout)
	for _, k := range keys {
		sr := series[k]
		for _, ep := range Detect(*sr, s.opts.Floors) {
			a := anomalyOf(k, ep, sr, dates, rep)
			seen[a.ID] = true
			prev, had := stored[a.ID]
			a.FirstSeen, a.UpdatedAt = now, now
			switch {
			case had:
				a.FirstSeen, a.Notified = prev.FirstSeen, prev.Notified
				if ep.Open {
					a.Status = cloudscope.AnomalyOngoing
				}
			case ep.Open:
				a.Status = cloudscope.AnomalyNew
			}
			if had && prev.Explanation != nil && prev.Explanation.Covered && !prev.Provisional && prev.Start == a.Start {
				a.Explanation = prev.Explanation
			} else {
				a.Explanation = ex.explain(ctx, &a)
			}
			item, err := record(part, a)
			if err != nil {
				return nil, err
			}
			items = append(items, item)
			res.Anomalies = append(res.Anomalies, a)
			if !a.Provisional && a.Notified == nil && a.End >= recent {
				res.Notify = append(res.Notify, a)
			}
		}
	}
	for id, a := range stored {
		if seen[id] || a.Start < dates[0] {
			continue
		}
		if a.Provisional { // an estimate revised away
			if err := s.store.Delete(ctx, kv.Key{Partition: part, Sort: sortKey(a)}); err != nil {
				return nil, fmt.Errorf("drop anomaly %s: %w", id, err)
			}
			continue
		}
		if a.Status != cloudscope.AnomalyResolved {
			a.Status, a.UpdatedAt = cloudscope.AnomalyResolved, now
			item, err := record(part, a)
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
	}
	if err := s.store.PutBatch(ctx, items); err != nil {
		return nil, fmt.Errorf("store the anomalies: %w", err)
	}
	sortNewest(res.Anomalies)
	sortNewest(res.Notify)
	return res, nil
}

// anomalyOf makes the anomaly of episode ep of series k.
func anomalyOf(k seriesKey, ep Episode, sr *Series, dates []string, rep *costquery.Report) cloudscope.Anomaly {
	first, last := ep.Days[0].Index, ep.Days[len(ep.Days)-1].Index
	a := cloudscope.Anomaly{
		ID: ID(k.account, k.service, k.region, dates[first]), AccountID: k.account, Service: k.service, Region: k.region,
		Kind: cloudscope.AnomalyKind(ep.Kind), Status: cloudscope.AnomalyResolved, Start: dates[first], End: dates[last],
		Currency: rep.Currency, Days: make([]cloudscope.AnomalyDay, 0, len(ep.Days)),
	}
	if a.Currency == "" {
		a.Currency = cloudscope.SavingsCurrency
	}
	groupKey := joinKey(rep.Query, k)
	for _, d := range ep.Days {
		actual := rep.Periods[d.Index].Groups[groupKey] // exact, as Cost Explorer wrote it
		day := cloudscope.AnomalyDay{Date: dates[d.Index], Actual: actual, Expected: cents(d.Expected),
			Score: round2(d.Score), Estimated: sr.Estimated != nil && sr.Estimated[d.Index]}
		a.Days = append(a.Days, day)
		a.Actual = a.Actual.Add(day.Actual)
		a.Expected = a.Expected.Add(day.Expected)
		a.Score = max(a.Score, day.Score)
		a.Provisional = a.Provisional || day.Estimated
	}
	a.Excess = a.Actual.Sub(a.Expected)
	return a
}

// joinKey is the report's group key of series k (the inverse of splitKey).
func joinKey(q costquery.Query, k seriesKey) string {
	first := k.region
	if q.GroupBy == "LINKED_ACCOUNT" {
		first = k.account
	}
	if q.ThenBy == "" {
		return k.service
	}
	return first + ", " + k.service
}

// cents is x, a baseline, as an amount rounded to the cent.
func cents(x float64) cloudscope.Amount {
	a, err := cloudscope.ParseAmount(strconv.FormatFloat(x, 'f', 2, 64))
	if err != nil {
		return cloudscope.Amount{}
	}
	return a
}

func round2(x float64) float64 {
	if x >= scoreCap {
		return scoreCap
	}
	return float64(int64(x*100+0.5)) / 100
}

func sortKey(a cloudscope.Anomaly) string { return kv.Join(a.Start, a.ID) }

func record(part string, a cloudscope.Anomaly) (kv.Item, error) {
	val, err := json.Marshal(a)
	if err != nil {
		return kv.Item{}, fmt.Errorf("encode anomaly %s: %w", a.ID, err)
	}
	if len(val) > kv.MaxValueBytes && a.Explanation != nil {
		// A day that created thousands of resources: keep the sums.
		a.Explanation.Changes = a.Explanation.Changes[:0]
		a.Explanation.Note += " (the changes were too many to keep)"
		if val, err = json.Marshal(a); err != nil {
			return kv.Item{}, err
		}
	}
	start, _ := time.Parse(costquery.DateLayout, a.Start)
	return kv.Item{Key: kv.Key{Partition: part, Sort: sortKey(a)}, Value: val, Expires: start.Add(Keep)}, nil
}

func sortNewest(as []cloudscope.Anomaly) {
	slices.SortFunc(as, func(a, b cloudscope.Anomaly) int {
		return cmp.Or(cmp.Compare(b.Start, a.Start), b.Excess.Cmp(a.Excess), cmp.Compare(a.ID, b.ID))
	})
}

// MarkNotified records that a notification carried the anomalies ids.
func (s *Service) MarkNotified(ctx context.Context, as []cloudscope.Anomaly) error {
	part, err := s.partition(ctx)
	if err != nil {
		return err
	}
	at := s.opts.Now().UTC()
	items := make([]kv.Item, 0, len(as))
	for _, a := range as {
		a.Notified = &at
		it, err := record(part, a)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	if err := s.store.PutBatch(ctx, items); err != nil {
		return fmt.Errorf("record the anomalies notified: %w", err)
	}
	return nil
}

// Filter selects stored anomalies (GET /anomalies, cloudscope anomalies).
type Filter struct {
	// Days keeps those whose last day is within the last Days days
	// (default 30).
	Days    int
	Service string
	Account string
	Status  cloudscope.AnomalyStatus
}

// MaxDays bounds Filter.Days: the records are kept about 13 months.
const MaxDays = 400

// NewFilter validates a filter as a caller gives it.
func NewFilter(days, service, account, status string) (Filter, error) {
	f := Filter{Days: 30, Service: strings.TrimSpace(service)}
	if days != "" {
		if _, err := fmt.Sscanf(days, "%d", &f.Days); err != nil || fmt.Sprint(f.Days) != strings.TrimSpace(days) || f.Days < 1 || f.Days > MaxDays {
			return f, cloudscope.Invalid("days", "%q: want a whole number of days from 1 to %d", cloudscope.Clip(days), MaxDays)
		}
	}
	if account != "" {
		ids, err := cloudscope.ParseAccountIDs("account", []string{account})
		if err != nil {
			return f, err
		}
		f.Account = ids[0]
	}
	if status != "" {
		f.Status = cloudscope.AnomalyStatus(strings.ToLower(status))
		if !slices.Contains(cloudscope.AnomalyStatuses, f.Status) {
			return f, cloudscope.Invalid("status", "%q is not one of new, ongoing, resolved", cloudscope.Clip(status))
		}
	}
	return f, nil
}

// List is the stored anomalies f selects, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]cloudscope.Anomaly, error) {
	part, err := s.partition(ctx)
	if err != nil {
		return nil, err
	}
	if f.Days <= 0 {
		f.Days = 30
	}
	since := s.opts.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -f.Days).Format(costquery.DateLayout)
	// Episodes are short (a level shift ends at 3 days), but a spike may
	// last longer: read a little further back and filter by the last day.
	from := s.opts.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -f.Days-7*Weeks).Format(costquery.DateLayout)
	out := []cloudscope.Anomaly{}
	err = s.store.Query(ctx, part, "", from, 0, func(it kv.Item) error {
		var a cloudscope.Anomaly
		if err := json.Unmarshal(it.Value, &a); err != nil {
			return fmt.Errorf("read anomaly %s: %w", it.Key.Sort, err)
		}
		if a.End < since || (f.Service != "" && !strings.EqualFold(a.Service, f.Service)) ||
			(f.Account != "" && a.AccountID != f.Account) || (f.Status != "" && a.Status != f.Status) {
			return nil
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the stored anomalies: %w", err)
	}
	sortNewest(out)
	return out, nil
}
