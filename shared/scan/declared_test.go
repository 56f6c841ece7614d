package scan

import (
	"slices"
	"testing"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// TestTheScanReadsWhatTheDeclaredRulesRead holds the scan's metric list
// and the catalogue to what the declared rules say they read: each metric
// is fetched, and each statistic is one the catalogue serves to rules.
func TestTheScanReadsWhatTheDeclaredRulesRead(t *testing.T) {
	typeOf := map[string]cloudscope.ResourceType{bottleneck.EC2Rightsize: cloudscope.EC2, bottleneck.RDSRightsize: cloudscope.RDS}
	for id, reads := range bottleneck.Declared() {
		for _, m := range reads.Metrics {
			if !slices.Contains(ruleMetrics, m.Name) {
				t.Errorf("%s reads %s, which the scan does not fetch", id, m.Name)
			}
			var def *metrics.Definition
			for i, d := range metrics.Catalogue[typeOf[id]] {
				if d.Name == m.Name && d.Namespace == m.Namespace {
					def = &metrics.Catalogue[typeOf[id]][i]
				}
			}
			if def == nil {
				t.Errorf("%s reads %s/%s, which the catalogue lacks", id, m.Namespace, m.Name)
				continue
			}
			for _, st := range m.Stats {
				if !slices.Contains(def.Stats, st) && !slices.Contains(def.RuleStats, st) {
					t.Errorf("%s reads %s %s, which the catalogue does not serve", id, m.Name, st)
				}
			}
			if m.PeriodS != 3600 || m.WindowD != Days {
				t.Errorf("%s reads %s at %d s over %d days; the scan reads hours over %d days", id, m.Name, m.PeriodS, m.WindowD, Days)
			}
		}
	}
}
