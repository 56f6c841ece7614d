package costquery

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// DateLayout is how Cost Explorer writes dates.
const DateLayout = "2006-01-02"

// The values a query may take.
var (
	Granularities = []string{"DAILY", "MONTHLY"}
	Dimensions    = []string{"SERVICE", "REGION", "LINKED_ACCOUNT", "USAGE_TYPE"}
	Metrics       = []string{"UnblendedCost", "AmortizedCost", "NetUnblendedCost", "BlendedCost"}
)

// HistoryMonths is how far back Cost Explorer keeps data by default: 13
// months (38 with multi-year data turned on, which cloudscope does not assume).
const HistoryMonths = 13

// MaxForecastDays bounds a forecast: Cost Explorer forecasts daily costs up
// to three months ahead.
const MaxForecastDays = 90

// tagKey is what a cost allocation tag key may look like (AWS allows up to
// 128 letters, digits, spaces and _.:/=+-@).
var tagKey = regexp.MustCompile(`^[\p{L}\p{N} _.:/=+\-@]{1,128}$`)

// Query is one normalized Cost Explorer question. Its String is its cache key.
type Query struct {
	Start       string `json:"start"` // YYYY-MM-DD, inclusive
	End         string `json:"end"`   // YYYY-MM-DD, exclusive, as Cost Explorer takes it
	Granularity string `json:"granularity"`
	// GroupBy is a dimension (SERVICE...) or "TAG:<key>".
	GroupBy string `json:"group_by"`
	// ThenBy, when set, is a second dimension (Cost Explorer takes two):
	// each group's key is then "<GroupBy value>, <ThenBy value>". No route
	// sets it; the daily scan's anomaly query does (shared/anomaly).
	ThenBy string `json:"then_by,omitempty"`
	Metric string `json:"metric"`
	// Accounts keeps the spend of these linked accounts (all when empty).
	Accounts []string `json:"accounts,omitempty"`
}

// String is the query in one line; equal queries give equal strings. A
// query of every account keeps the key it always had, so cached answers
// still serve.
func (q Query) String() string {
	s := fmt.Sprintf("%s..%s/%s/%s/%s", q.Start, q.End, q.Granularity, q.GroupBy, q.Metric)
	if q.ThenBy != "" {
		s += "/then=" + q.ThenBy
	}
	if len(q.Accounts) > 0 {
		s += "/accounts=" + strings.Join(q.Accounts, ",")
	}
	return s
}

// QueryInput is a query as a caller gives it: empty fields take their defaults.
type QueryInput struct {
	Days                         string
	Start, End                   string
	Granularity, GroupBy, Metric string
	// Accounts are 12-digit linked account ids.
	Accounts []string
}

// NewQuery validates a spec against today's date (UTC) and fills in the
// defaults: the last 30 whole days, DAILY, by SERVICE, UnblendedCost, every
// account. group_by=ACCOUNT is LINKED_ACCOUNT.
func NewQuery(s QueryInput, now time.Time) (Query, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	q := Query{Granularity: "DAILY", GroupBy: "SERVICE", Metric: "UnblendedCost"}

	start, end, err := window(s, today)
	if err != nil {
		return q, err
	}
	q.Start, q.End = start.Format(DateLayout), end.Format(DateLayout)

	if s.Granularity != "" {
		q.Granularity = strings.ToUpper(s.Granularity)
		if !slices.Contains(Granularities, q.Granularity) {
			return q, cloudscope.Invalid("granularity", "%q is not one of %s", cloudscope.Clip(s.Granularity), strings.Join(Granularities, ", "))
		}
	}
	if s.GroupBy != "" {
		g := s.GroupBy
		if key, ok := cutPrefixFold(g, "TAG:"); ok {
			if !tagKey.MatchString(key) {
				return q, cloudscope.Invalid("group_by", "%q is not a tag key (1 to 128 letters, digits, spaces and _.:/=+-@)", cloudscope.Clip(key))
			}
			q.GroupBy = "TAG:" + key
		} else {
			q.GroupBy = strings.ToUpper(g)
			if q.GroupBy == "ACCOUNT" {
				q.GroupBy = "LINKED_ACCOUNT"
			}
			if !slices.Contains(Dimensions, q.GroupBy) {
				return q, cloudscope.Invalid("group_by", "%q is not one of %s, or TAG:<key> (ACCOUNT for LINKED_ACCOUNT)", cloudscope.Clip(g), strings.Join(Dimensions, ", "))
			}
		}
	}
	if s.Metric != "" {
		i := slices.IndexFunc(Metrics, func(m string) bool { return strings.EqualFold(m, s.Metric) })
		if i < 0 {
			return q, cloudscope.Invalid("metric", "%q is not one of %s", cloudscope.Clip(s.Metric), strings.Join(Metrics, ", "))
		}
		q.Metric = Metrics[i]
	}
	accounts, err := cloudscope.ParseAccountIDs("accounts", s.Accounts)
	if err != nil {
		return q, err
	}
	if len(accounts) > 0 { // sorted: one set of accounts is one cache key
		q.Accounts = slices.Sorted(slices.Values(accounts))
	}
	return q, nil
}

func window(s QueryInput, today time.Time) (time.Time, time.Time, error) {
	if s.Days != "" && (s.Start != "" || s.End != "") {
		return time.Time{}, time.Time{}, cloudscope.Invalid("days", "give either days or start and end, not both")
	}
	oldest := time.Date(today.Year(), today.Month()-HistoryMonths, 1, 0, 0, 0, 0, time.UTC)
	if s.Start == "" && s.End == "" {
		days := 30
		if s.Days != "" {
			if _, err := fmt.Sscanf(s.Days, "%d", &days); err != nil || fmt.Sprint(days) != strings.TrimSpace(s.Days) || days < 1 || today.AddDate(0, 0, -days).Before(oldest) {
				return time.Time{}, time.Time{}, cloudscope.Invalid("days", "%q: want a whole number of days from 1 back to %s (Cost Explorer keeps %d months)",
					cloudscope.Clip(s.Days), oldest.Format(DateLayout), HistoryMonths)
			}
		}
		return today.AddDate(0, 0, -days), today, nil
	}
	if s.Start == "" {
		return time.Time{}, time.Time{}, cloudscope.Invalid("start", "give both start and end (YYYY-MM-DD, end exclusive)")
	}
	if s.End == "" {
		return time.Time{}, time.Time{}, cloudscope.Invalid("end", "give both start and end (YYYY-MM-DD, end exclusive)")
	}
	start, err := time.Parse(DateLayout, s.Start)
	if err != nil {
		return time.Time{}, time.Time{}, cloudscope.Invalid("start", "%q is not a date in YYYY-MM-DD form", cloudscope.Clip(s.Start))
	}
	end, err := time.Parse(DateLayout, s.End)
	if err != nil {
		return time.Time{}, time.Time{}, cloudscope.Invalid("end", "%q is not a date in YYYY-MM-DD form", cloudscope.Clip(s.End))
	}
	switch {
	case !start.Before(end):
		return time.Time{}, time.Time{}, cloudscope.Invalid("start", "start %s is not before end %s (end is exclusive)", s.Start, s.End)
	case start.Before(oldest):
		return time.Time{}, time.Time{}, cloudscope.Invalid("start", "%s is older than Cost Explorer keeps (%d months: %s at the earliest)", s.Start, HistoryMonths, oldest.Format(DateLayout))
	case end.After(today.AddDate(0, 0, 1)):
		return time.Time{}, time.Time{}, cloudscope.Invalid("end", "%s is in the future: costs go up to tomorrow (exclusive); see /costs/forecast for what is to come", s.End)
	}
	return start, end, nil
}

// ForecastQuery is a normalized forecast question: from today for Days days.
type ForecastQuery struct {
	Start       string `json:"start"`
	End         string `json:"end"`
	Granularity string `json:"granularity"`
	Metric      string `json:"metric"`
	// Accounts keeps the spend of these linked accounts (all when empty).
	Accounts []string `json:"accounts,omitempty"`
}

func (q ForecastQuery) String() string {
	s := fmt.Sprintf("forecast:%s..%s/%s/%s", q.Start, q.End, q.Granularity, q.Metric)
	if len(q.Accounts) > 0 {
		s += "/accounts=" + strings.Join(q.Accounts, ",")
	}
	return s
}

// NewForecastQuery validates a forecast of days days (default 30) from
// today, of the given linked accounts (every account when none).
func NewForecastQuery(days, granularity, metric string, accounts []string, now time.Time) (ForecastQuery, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	n := 30
	if days != "" {
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(days) || n < 1 || n > MaxForecastDays {
			return ForecastQuery{}, cloudscope.Invalid("days", "%q: want a whole number of days from 1 to %d", cloudscope.Clip(days), MaxForecastDays)
		}
	}
	q, err := NewQuery(QueryInput{Granularity: granularity, Metric: metric, Accounts: accounts}, now)
	if err != nil {
		return ForecastQuery{}, err
	}
	return ForecastQuery{Start: today.Format(DateLayout), End: today.AddDate(0, 0, n).Format(DateLayout), Granularity: q.Granularity, Metric: q.Metric,
		Accounts: q.Accounts}, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
