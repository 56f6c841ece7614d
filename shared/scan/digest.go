package scan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/notify"
)

// digestHistory is how many snapshot headers the digest reads: two weeks
// of daily scans with room for manual ones. With more snapshots than that
// within a week, the week's changes are counted from the oldest one read.
const digestHistory = 100

// DigestSummary is what the weekly digest's invocation returns.
type DigestSummary struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Snapshot string `json:"snapshot,omitempty"` // the newest: the open findings
	Base     string `json:"base,omitempty"`     // the week's changes are counted from it
	Scans    int    `json:"scans"`
	Sent     bool   `json:"sent"`
	// SpendError says why the spend could not be read.
	SpendError string `json:"spend_error,omitempty"`
	// ChatError says why the chat topic did not get the digest (the
	// findings topic did).
	ChatError string `json:"chat_error,omitempty"`
}

// Digest gathers the week and publishes its digest: spend this week
// against last week by service (a 14-day daily query by service, through
// the cost cache), the newest snapshot's open findings, the findings new
// and resolved since the snapshot about seven days older, and the week's
// scans. The week is the seven whole days (UTC) before today. A spend that
// cannot be read is told as such; the digest goes out regardless.
func (s *Scanner) Digest(ctx context.Context) (*DigestSummary, error) {
	now := s.d.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	d := notify.Digest{Start: today.AddDate(0, 0, -7), End: today, At: now}
	sum := &DigestSummary{Start: d.Start.Format(costquery.DateLayout), End: d.End.Format(costquery.DateLayout)}

	if s.d.Costs != nil {
		spend, err := s.weekSpend(ctx, now)
		if err != nil {
			d.SpendError = string(cloudscope.CodeOf(err)) + ": the cost report could not be read"
			sum.SpendError = d.SpendError
		}
		d.Spend = spend
	} else {
		d.SpendError = "no cost service is configured"
	}

	if s.d.Store != nil {
		headers, err := s.d.Store.List(ctx, digestHistory)
		if err != nil {
			return nil, fmt.Errorf("digest: list snapshots: %w", err)
		}
		if len(headers) > 0 {
			if d.Latest, err = s.d.Store.Get(ctx, headers[0].ID); err != nil {
				return nil, fmt.Errorf("digest: read snapshot %s: %w", headers[0].ID, err)
			}
			if b := weekBefore(headers); b != nil {
				if d.Base, err = s.d.Store.Get(ctx, b.ID); err != nil {
					return nil, fmt.Errorf("digest: read snapshot %s: %w", b.ID, err)
				}
			}
		}
		for _, h := range headers {
			if !h.FinishedAt.Before(d.Start) && h.FinishedAt.Before(d.End) {
				d.Scans = append(d.Scans, h)
			}
		}
	}
	if s.d.Anomalies != nil {
		// The week's anomalies; the digest goes out without them if they cannot be read.
		if as, err := s.d.Anomalies.List(ctx, anomaly.Filter{Days: 7}); err == nil {
			d.Anomalies = as
		}
	}
	d.Saved = s.saved(ctx, d.Start, d.End)
	if d.Latest != nil {
		sum.Snapshot = d.Latest.ID
	}
	if d.Base != nil {
		sum.Base = d.Base.ID
	}
	sum.Scans = len(d.Scans)

	if s.d.Notifier == nil {
		return sum, nil
	}
	s.d.Progress(Progress{Step: "digest", Detail: fmt.Sprintf("week %s to %s, %d snapshots", sum.Start, sum.End, sum.Scans)})
	m := notify.Renderer{DashboardURL: s.d.DashboardURL}.Digest(d)
	err := s.d.Notifier.Publish(ctx, m)
	if errors.Is(err, cloudscope.ErrChatUndelivered) {
		// Sent; failing the invocation would have it retried, and sent twice.
		sum.ChatError, err = err.Error(), nil
	}
	if err != nil {
		return sum, fmt.Errorf("digest: publish: %w", err)
	}
	sum.Sent = true
	return sum, nil
}

// weekBefore is the header the week's changes are counted from, among
// headers (newest first): the newest finished at least about seven days
// before the newest one (half a day of slack for a scheduled scan that ran
// late), else the oldest one older than the newest; nil with fewer than two.
func weekBefore(headers []cloudscope.SnapshotHeader) *cloudscope.SnapshotHeader {
	if len(headers) < 2 {
		return nil
	}
	cutoff := headers[0].FinishedAt.Add(-7*24*time.Hour + 12*time.Hour)
	for i := 1; i < len(headers); i++ {
		if !headers[i].FinishedAt.After(cutoff) {
			return &headers[i]
		}
	}
	return &headers[len(headers)-1]
}

// weekSpend is the last 14 whole days of spend by service, split into last
// week and this week.
func (s *Scanner) weekSpend(ctx context.Context, now time.Time) (*notify.Spend, error) {
	q, err := costquery.NewQuery(costquery.QueryInput{Days: "14", Granularity: "DAILY", GroupBy: "SERVICE"}, now)
	if err != nil {
		return nil, err
	}
	rep, err := s.d.Costs.Report(ctx, q)
	if err != nil {
		return nil, err
	}
	end, _ := time.Parse(costquery.DateLayout, q.End)
	mid := end.AddDate(0, 0, -7).Format(costquery.DateLayout)
	sp := &notify.Spend{Currency: rep.Currency, Metric: q.Metric,
		LastWeek: notify.Period{Start: q.Start, End: mid}, ThisWeek: notify.Period{Start: mid, End: q.End}}
	byService := map[string]*notify.ServiceSpend{}
	for _, p := range rep.Periods {
		sp.Estimated = sp.Estimated || p.Estimated
		for service, amt := range p.Groups {
			sv := byService[service]
			if sv == nil {
				sv = &notify.ServiceSpend{Service: service}
				byService[service] = sv
			}
			if p.Start >= mid {
				sv.ThisWeek = sv.ThisWeek.Add(amt)
			} else {
				sv.LastWeek = sv.LastWeek.Add(amt)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(byService)) {
		sp.Services = append(sp.Services, *byService[name])
	}
	return sp, nil
}

// saved is the ledger's savings realized, in all and within [from, to):
// nil without a ledger, before its first recorded scan, or when it cannot
// be read (the digest goes out regardless).
func (s *Scanner) saved(ctx context.Context, from, to time.Time) *notify.Saved {
	if s.d.Ledger == nil {
		return nil
	}
	account := s.who.get(ctx)
	if s.who != nil && account == "" {
		return nil
	}
	v, err := s.d.Ledger.Saved(ctx, account, from, to)
	if err != nil || v == nil {
		return nil
	}
	return &notify.Saved{Currency: v.Currency, Since: v.Since, Monthly: v.Monthly, Findings: v.Findings, ThisWeek: v.InPeriod, ThisWeekFindings: v.PeriodFindings}
}
