package pricing

import (
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Every item has the unit the Price List publishes it in (REFERENCE.md:
// gp3 throughput per GiBps-mo, 40.96 USD in us-east-1 and 49.152 in
// ap-northeast-1, i.e. 0.04 and 0.048 per MiB/s-month).
func TestTheUnitTable(t *testing.T) {
	for item, p := range products {
		if p.unit.published == "" {
			t.Errorf("%s has no unit", item)
		}
	}
	throughput, _ := productOf(cloudscope.PriceGP3Throughput)
	for published, want := range map[string]string{"40.96": "0.04", "49.152": "0.048"} {
		a, _ := cloudscope.ParseAmount(published)
		got, err := throughput.inUnit(a, "GiBps-mo")
		w, _ := cloudscope.ParseAmount(want)
		if err != nil || got.Cmp(w) != 0 {
			t.Errorf("%s per GiBps-mo: %v %v, want %s per MiBps-Mo", published, got, err, want)
		}
	}
	if throughput.unit.priced() != "MiBps-Mo" {
		t.Errorf("throughput priced per %s", throughput.unit.priced())
	}
}

// An unexpected unit is no price, with the reason; it is never multiplied.
func TestAnUnexpectedUnitIsUnavailable(t *testing.T) {
	a, _ := cloudscope.ParseAmount("0.04")
	throughput, _ := productOf(cloudscope.PriceGP3Throughput)
	gp2, _ := productOf(cloudscope.PriceVolumeStorage("gp2"))
	for _, c := range []struct {
		p    product
		unit string
	}{{throughput, "MiBps-Mo"}, {throughput, "GB-Mo"}, {gp2, "GiBps-mo"}, {gp2, "Hrs"}} {
		if got, err := c.p.inUnit(a, c.unit); err == nil || !strings.Contains(err.Error(), "unexpected unit") || !got.IsZero() {
			t.Errorf("%s per %s: %v %v", c.p.usage, c.unit, got, err)
		}
	}
}
