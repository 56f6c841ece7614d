package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/pagecursor"
)

// Defaults and bounds of a question to the ledger.
const (
	DefaultMonths = 12
	MaxMonths     = 120
	DefaultLimit  = 500
	MaxLimit      = 1000
)

// Input is a GET /savings question as a caller gives it; NewQuery
// validates it.
type Input struct {
	Months   string
	Accounts []string
	Rule     string
	Limit    string
	Cursor   string
}

// Query is a validated question: the savings of the last Months calendar
// months (this one included), of Accounts (all when empty) and Rule (all
// when ""), with a page of at most Limit entries.
type Query struct {
	Months   int
	Accounts []string
	Rule     string
	Limit    int
	after    string // the sort key the page starts after
}

// cursor is where the next page starts, for one question.
type cursor struct {
	After    string `json:"a"`
	Question string `json:"q"`
}

// NewQuery validates in; an error names the parameter at fault. known,
// when set, says whether a rule name is one of the rules'.
func NewQuery(in Input, known func(rule string) bool) (Query, error) {
	q := Query{Months: DefaultMonths, Limit: DefaultLimit}
	if in.Months != "" {
		n, err := strconv.Atoi(in.Months)
		if err != nil || n < 1 || n > MaxMonths {
			return Query{}, cloudscope.Invalid("months", "%q: want a whole number from 1 to %d", cloudscope.Clip(in.Months), MaxMonths)
		}
		q.Months = n
	}
	var err error
	if q.Accounts, err = cloudscope.ParseAccountIDs("accounts", in.Accounts); err != nil {
		return Query{}, err
	}
	q.Rule = strings.TrimSpace(in.Rule)
	if q.Rule != "" && (len(q.Rule) > 64 || (known != nil && !known(q.Rule))) {
		return Query{}, cloudscope.Invalid("rule", "%q is not a rule's name (GET /bottlenecks lists them under rules)", cloudscope.Clip(in.Rule))
	}
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		if err != nil || n < 1 || n > MaxLimit {
			return Query{}, cloudscope.Invalid("limit", "%q: want a whole number from 1 to %d", cloudscope.Clip(in.Limit), MaxLimit)
		}
		q.Limit = n
	}
	if in.Cursor != "" {
		c, err := pagecursor.Decode[cursor](in.Cursor)
		if err != nil || c.Question != q.question() || !strings.HasPrefix(c.After, entryPrefix) {
			return Query{}, cloudscope.Invalid("cursor", "not a cursor of this list: start again without one (a cursor goes with the filters it was given for)")
		}
		q.after = c.After
	}
	return q, nil
}

// question identifies what is asked, less the page.
func (q Query) question() string {
	b, _ := json.Marshal([]any{q.Months, q.Accounts, q.Rule})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Answer is the ledger's answer to a question.
type Answer struct {
	Currency string `json:"currency"`
	// Since is when the figures start: the later of the ledger's first
	// round and the first month asked; null before any scan was recorded.
	Since *time.Time `json:"since"`
	// From and To are the first and last months asked (YYYY-MM).
	From string `json:"from"`
	To   string `json:"to"`
	// Realized are the savings of the findings resolved within the months
	// (by the month they resolved); Open those of the findings open now
	// that opened within them (by the month first seen, or reopened).
	Realized Totals `json:"realized"`
	Open     Totals `json:"open"`
	// Entries are the page of the findings counted (resolved, open) and
	// of those replaced within the months, in key order (account, finding).
	Entries    []Entry `json:"entries"`
	Limit      int     `json:"limit"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Totals are savings a month in all, and by month, account and rule.
type Totals struct {
	Monthly   cloudscope.Amount            `json:"monthly"`
	Findings  int                          `json:"findings"`
	ByMonth   map[string]cloudscope.Amount `json:"by_month"`
	ByAccount map[string]cloudscope.Amount `json:"by_account"`
	ByRule    map[string]cloudscope.Amount `json:"by_rule"`
}

func newTotals(months []string) Totals {
	t := Totals{ByMonth: map[string]cloudscope.Amount{}, ByAccount: map[string]cloudscope.Amount{}, ByRule: map[string]cloudscope.Amount{}}
	for _, m := range months {
		t.ByMonth[m] = cloudscope.Amount{}
	}
	return t
}

func (t *Totals) add(e Entry, month string) {
	t.Monthly = t.Monthly.Add(e.Monthly)
	t.Findings++
	t.ByMonth[month] = t.ByMonth[month].Add(e.Monthly)
	t.ByAccount[e.AccountID] = t.ByAccount[e.AccountID].Add(e.Monthly)
	t.ByRule[e.Rule] = t.ByRule[e.Rule].Add(e.Monthly)
}

const monthLayout = "2006-01"

// opened is when an open entry last opened: first seen, or reopened.
func opened(e Entry) time.Time {
	if e.ReopenedAt != nil && e.ReopenedAt.After(e.FirstSeen) {
		return *e.ReopenedAt
	}
	return e.FirstSeen
}

// Answer answers q from account's ledger at now.
func (l *Ledger) Answer(ctx context.Context, account string, q Query, now time.Time) (*Answer, error) {
	now = now.UTC()
	first := time.Date(now.Year(), now.Month()-time.Month(q.Months-1), 1, 0, 0, 0, 0, time.UTC)
	var months []string
	for m := first; !m.After(now); m = m.AddDate(0, 1, 0) {
		months = append(months, m.Format(monthLayout))
	}
	a := &Answer{Currency: cloudscope.SavingsCurrency, From: months[0], To: months[len(months)-1],
		Realized: newTotals(months), Open: newTotals(months), Entries: []Entry{}, Limit: q.Limit}
	var last string
	since, err := l.load(ctx, account, func(key string, e Entry) error {
		if (len(q.Accounts) > 0 && !slices.Contains(q.Accounts, e.AccountID)) || (q.Rule != "" && e.Rule != q.Rule) {
			return nil
		}
		var when time.Time
		switch e.State {
		case Open:
			when = opened(e)
		case Resolved, Replaced:
			if e.ResolvedAt == nil {
				return nil
			}
			when = *e.ResolvedAt
		}
		if when.Before(first) || e.Currency != cloudscope.SavingsCurrency {
			return nil
		}
		month := when.UTC().Format(monthLayout)
		switch e.State {
		case Open:
			a.Open.add(e, month)
		case Resolved:
			a.Realized.add(e, month)
		}
		if key <= q.after {
			return nil
		}
		if len(a.Entries) == q.Limit {
			a.NextCursor = pagecursor.Encode(cursor{After: last, Question: q.question()})
			return nil
		}
		a.Entries = append(a.Entries, e)
		last = key
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !since.IsZero() {
		s := since.UTC()
		if s.Before(first) {
			s = first
		}
		a.Since = &s
	}
	return a, nil
}

// Saved is what the ledger counts as realized: in all since it began, and
// within a period.
type Saved struct {
	Currency string
	// Since is the ledger's first round.
	Since    time.Time
	Monthly  cloudscope.Amount
	Findings int
	// InPeriod and PeriodFindings are those resolved within the period.
	InPeriod       cloudscope.Amount
	PeriodFindings int
}

// Saved sums account's realized savings, and those resolved within
// [from, to); nil before the ledger's first round.
func (l *Ledger) Saved(ctx context.Context, account string, from, to time.Time) (*Saved, error) {
	s := &Saved{Currency: cloudscope.SavingsCurrency}
	since, err := l.load(ctx, account, func(_ string, e Entry) error {
		if e.State != Resolved || e.ResolvedAt == nil || e.Currency != cloudscope.SavingsCurrency {
			return nil
		}
		s.Monthly = s.Monthly.Add(e.Monthly)
		s.Findings++
		if !e.ResolvedAt.Before(from) && e.ResolvedAt.Before(to) {
			s.InPeriod = s.InPeriod.Add(e.Monthly)
			s.PeriodFindings++
		}
		return nil
	})
	if err != nil || since.IsZero() {
		return nil, err
	}
	s.Since = since.UTC()
	return s, nil
}

// Service answers GET /savings from the ledger of the scanning identity.
type Service struct {
	Ledger *Ledger
	// Account is the scanning identity's account (sts:GetCallerIdentity):
	// the ledger's partition.
	Account func(ctx context.Context) (string, error)
	Now     func() time.Time
}

// Savings answers q.
func (s *Service) Savings(ctx context.Context, q Query) (*Answer, error) {
	account := ""
	if s.Account != nil {
		var err error
		if account, err = s.Account(ctx); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return s.Ledger.Answer(ctx, account, q, now())
}
