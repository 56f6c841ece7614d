package scan

import (
	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/bill"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// merged gathers a scan's parts into its snapshot, as every scan's
// finalize does (Engine.merge, one part at a time, never their resources).
type merged struct {
	snap *cloudscope.Snapshot
	// listed counts the listings that succeeded; metricsRead and
	// metricsFailed the metric reads that did and did not.
	listed, metricsRead, metricsFailed int
	metricsRequested                   int64
}

// add merges part p's findings, undecided rules, errors, calls and reads.
func (m *merged) add(p *cloudscope.ShardPart) {
	m.snap.Findings = append(m.snap.Findings, p.Findings...)
	m.snap.Insufficient = append(m.snap.Insufficient, p.Insufficient...)
	m.snap.Errors = append(m.snap.Errors, p.Errors...)
	for k, v := range p.Calls {
		m.snap.Calls[k] += v
	}
	m.listed += p.Listed
	m.metricsRead += p.MetricsRead
	m.metricsFailed += p.MetricsFailed
	m.metricsRequested += p.MetricsRequested
}

// finish prices the scan's own bill and says its outcome: failed only when
// nothing could be read anywhere (no listing succeeded, or no metrics read
// where some were asked), partial when anything failed (a denied member, a
// region, a service), complete otherwise. Failures with code "skipped" (an
// account not ACTIVE, a region the scan leaves out) count against nothing.
func (m *merged) finish() {
	s := m.snap
	s.Bill = bill.OfScan(s.Calls, map[string]int64{bill.GetMetricData: m.metricsRequested})
	failures := 0
	for _, f := range s.Errors {
		if f.Code != accountset.CodeSkipped {
			failures++
		}
	}
	switch {
	case m.listed == 0 && failures > 0:
		s.Outcome, s.FailedStep = cloudscope.OutcomeFailed, "discover"
	case m.metricsRead == 0 && m.metricsFailed > 0:
		s.Outcome, s.FailedStep = cloudscope.OutcomeFailed, "metrics"
	case failures > 0:
		s.Outcome = cloudscope.OutcomePartial
	default:
		s.Outcome = cloudscope.OutcomeComplete
	}
}
