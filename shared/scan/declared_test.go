package scan

import (
	"slices"
	"testing"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// TestTheScanReadsWhatTheDeclaredRulesRead holds the catalogue to what
// every rule says it reads: each metric is in the catalogue of the rule's
// type (in the load balancer kind's namespace), each statistic is one the
// catalogue serves to rules, and the window is the scan's (a NAT
// gateway's: its rule's days, daily).
func TestTheScanReadsWhatTheDeclaredRulesRead(t *testing.T) {
	declared := bottleneck.Declared()
	if len(declared) != len(bottleneck.Rules) {
		t.Errorf("%d rules declare their reads, %d rules exist", len(declared), len(bottleneck.Rules))
	}
	for id, reads := range declared {
		if reads.Type == "" || reads.Precondition == "" || reads.Metrics == nil {
			t.Errorf("%s declares %+v: a type, a precondition and its metrics (none is an empty list) are wanted", id, reads)
		}
		for _, m := range reads.Metrics {
			if !slices.Contains(ruleMetrics, m.Name) {
				t.Errorf("%s reads %s, which the scan does not know", id, m.Name)
			}
			var def *metricquery.Definition
			for i, d := range metricquery.Catalogue[reads.Type] {
				if d.Name == m.Name && d.Namespace == m.Namespace && (m.Kind == "" || d.Kind == m.Kind) {
					def = &metricquery.Catalogue[reads.Type][i]
				}
			}
			if def == nil {
				t.Errorf("%s reads %s/%s, which the catalogue of %s lacks", id, m.Namespace, m.Name, reads.Type)
				continue
			}
			for _, st := range m.Stats {
				if !slices.Contains(def.Stats, st) && !slices.Contains(def.RuleStats, st) {
					t.Errorf("%s reads %s %s, which the catalogue does not serve", id, m.Name, st)
				}
			}
			want := [2]int{3600, Days}
			if id == bottleneck.NATIdle {
				want = [2]int{86400, bottleneck.Defaults.NATIdleDays}
			}
			if got := [2]int{int(m.PeriodS), m.WindowD}; got != want {
				t.Errorf("%s reads %s at %d s over %d days; want %d s over %d", id, m.Name, got[0], got[1], want[0], want[1])
			}
		}
	}
}
