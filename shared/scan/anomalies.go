package scan

import (
	"context"
	"fmt"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
)

// Anomalies finds the spend anomalies of the daily scan's cost query, once
// the scan's snapshot is stored (anomaly.Service).
type Anomalies interface {
	// Query is the 8-week daily cost query (by linked account in an
	// organization scan).
	Query(org bool) costquery.Query
	// Evaluate finds, explains (from the stored scans) and stores them.
	Evaluate(ctx context.Context, rep *costquery.Report, scans anomaly.Scans) (*anomaly.Result, error)
	// MarkNotified records that a notification carried them.
	MarkNotified(ctx context.Context, as []cloudscope.Anomaly) error
	// List is the stored anomalies a filter selects (the digest's week).
	List(ctx context.Context, f anomaly.Filter) ([]cloudscope.Anomaly, error)
}

// anomalyReport reads the anomaly query through the cost cache: every
// page, billed only when the cache is cold.
func (s *Scanner) anomalyReport(ctx context.Context, org bool) (*costquery.Report, []cloudscope.Failure, int) {
	if s.d.Anomalies == nil || s.d.Costs == nil {
		return nil, nil, 0
	}
	rep, err := s.d.Costs.Report(ctx, s.d.Anomalies.Query(org))
	if err != nil {
		return nil, []cloudscope.Failure{failure("", cloudscope.Global, "ce", err)}, billedRequests(err)
	}
	return rep, nil, rep.Requests
}

// billedRequests is what a failed cost query still cost.
func billedRequests(err error) int {
	if b, ok := err.(*costquery.BilledError); ok {
		return b.Requests
	}
	return 0
}

// anomalies evaluates rep's anomalies against the stored scans (the one
// just stored among them) and returns those a notification should carry.
// A failure is the scan's partial failure, never its end.
func (s *Scanner) anomalies(ctx context.Context, t *tracker, snap *cloudscope.Snapshot, rep *costquery.Report) []cloudscope.Anomaly {
	if s.d.Anomalies == nil || rep == nil {
		return nil
	}
	res, err := s.d.Anomalies.Evaluate(ctx, rep, s.d.Store)
	if err != nil {
		snap.Errors = append(snap.Errors, cloudscope.Failure{Region: cloudscope.Global, Service: "anomalies", Code: string(cloudscope.CodeOf(err)),
			Message: "the spend anomalies could not be evaluated or stored"})
		return nil
	}
	s.report(ctx, t, Progress{Step: "anomalies", Detail: fmt.Sprintf("%d spend anomalies in %d series, %d to tell", len(res.Anomalies), res.Series, len(res.Notify))})
	return res.Notify
}

// tellAnomalies publishes anomalies alone (no finding to tell with them)
// and records them told; a failed publish leaves them for the next scan.
func (s *Scanner) tellAnomalies(ctx context.Context, snap *cloudscope.Snapshot, as []cloudscope.Anomaly) error {
	if s.d.Notifier == nil || len(as) == 0 {
		return nil
	}
	err := s.d.Notifier.Publish(ctx, s.message(snap, nil, as, ""))
	if err != nil && !isChatOnly(err) {
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "sns", err))
		return nil
	}
	return s.d.Anomalies.MarkNotified(ctx, as)
}

// costsOf is the scan's cost summary and, for a scan that is stored
// (withAnomalies), the anomaly query after it: one after the other, so
// that an emulator's queued answers meet them in a known order.
func (s *Scanner) costsOf(ctx context.Context, withAnomalies bool) costResult {
	c := s.costSummary(ctx)
	if withAnomalies {
		rep, errs, n := s.anomalyReport(ctx, false)
		c.anomalyReport, c.requests = rep, c.requests+n
		c.errors = append(c.errors, errs...)
	}
	return c
}

// AnomalyQuery is the 8-week cost query of an organization scan's
// anomalies (by linked account and service), when the scanner finds
// anomalies: the finalize asks it once and serves its cost summary from
// it too.
func (s *Scanner) AnomalyQuery() (costquery.Query, bool) {
	if s.d.Anomalies == nil {
		return costquery.Query{}, false
	}
	return s.d.Anomalies.Query(true), true
}
