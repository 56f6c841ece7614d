package bottleneck

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

// rulesTable is the README's rules table as the code says it: every rule,
// in evaluation order, with the source of its threshold.
func rulesTable() string {
	var b strings.Builder
	b.WriteString("| rule | type | threshold (source) |\n|---|---|---|\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.id, r.typ, Rules[r.id])
	}
	return strings.TrimSpace(b.String())
}

// TestREADMERulesTableIsTheCode keeps the README's rules table and the
// rules from drifting apart.
func TestREADMERulesTableIsTheCode(t *testing.T) {
	if len(Rules) != len(rules) {
		t.Errorf("%d rules, %d documented in Rules", len(rules), len(Rules))
	}
	for _, r := range rules {
		if Rules[r.id] == "" {
			t.Errorf("rule %s has no source in Rules", r.id)
		}
	}
	if got, want := readme.Section(t, "rules"), rulesTable(); got != want {
		t.Errorf("README.md's rules table is not the code's; between <!-- rules --> and <!-- /rules --> it should read:\n%s", want)
	}
}
