package bottleneck

import (
	"fmt"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// noPrices answers every price as unknown.
type noPrices struct{}

func (noPrices) UnitPrice(string, cloudscope.PriceItem) cloudscope.UnitPrice {
	return cloudscope.UnitPrice{Unavailable: "no price list was consulted"}
}

// unitWords are the Price List's units as the estimates say them.
var unitWords = map[string]string{
	"GB-Mo": "GB-month", "Hrs": "hour", "IOPS-Mo": "IOPS-month", "MiBps-Mo": "MiB/s-month",
	"ReadCapacityUnit-Hrs": "RCU-hour", "WriteCapacityUnit-Hrs": "WCU-hour",
	"ReadRequestUnits": "read request unit", "WriteRequestUnits": "write request unit",
}

func unitWord(u string) string {
	if w, ok := unitWords[u]; ok {
		return w
	}
	return u
}

// bill is a saving being added up: priced lines, the prices used, or the
// first price that was missing.
type bill struct {
	total       cloudscope.Amount
	currency    string
	lines       []string
	sources     []string
	dates       []string
	unavailable string
	// the main line: what Savings shows as quantity x unit price
	qty   *cloudscope.Amount
	unit  string
	price *cloudscope.Amount
}

// price looks item up; a missing price spoils the bill.
func (b *bill) lookup(c *check, item cloudscope.PriceItem) (cloudscope.UnitPrice, bool) {
	if b.unavailable != "" {
		return cloudscope.UnitPrice{}, false
	}
	p := c.prices.UnitPrice(c.in.Resource.Region, item)
	switch {
	case p.Unavailable != "":
		b.unavailable = fmt.Sprintf("%s in %s: %s", item, c.in.Resource.Region, p.Unavailable)
		return p, false
	case b.currency != "" && p.Currency != b.currency:
		b.unavailable = fmt.Sprintf("%s is priced in %s, the rest in %s", item, p.Currency, b.currency)
		return p, false
	}
	b.currency = p.Currency
	if !strings.Contains(strings.Join(b.sources, "; "), p.Source) {
		b.sources = append(b.sources, p.Source)
	}
	if len(b.dates) == 0 || b.dates[len(b.dates)-1] != p.Date {
		b.dates = append(b.dates, p.Date)
	}
	return p, true
}

// add adds qty x item's price (sign -1 subtracts it); what names the quantity.
func (b *bill) add(c *check, item cloudscope.PriceItem, qty cloudscope.Amount, what string, sign int) bool {
	p, ok := b.lookup(c, item)
	if !ok {
		return false
	}
	v := qty.Mul(p.Amount)
	if sign < 0 {
		b.total = b.total.Sub(v)
	} else {
		b.total = b.total.Add(v)
	}
	op := "+"
	if sign < 0 {
		op = "-"
	}
	line := fmt.Sprintf("%s %s x %s %s/%s", qtyText(qty), what, p.Amount.String(), p.Currency, unitWord(p.Unit))
	if len(b.lines) > 0 {
		line = op + " " + line
	} else if sign < 0 {
		line = "- " + line
	}
	b.lines = append(b.lines, line)
	if b.qty == nil {
		q, u, a := qty, unitWord(p.Unit), p.Amount
		b.qty, b.unit, b.price = &q, u, &a
	}
	return true
}

// savings is the finding's Savings: the total a month with the arithmetic
// after what (the action), or why there is none.
func (b *bill) savings(what string) *cloudscope.Savings {
	if b.unavailable != "" {
		return &cloudscope.Savings{Unavailable: "no saving estimated: " + b.unavailable}
	}
	total := b.total
	s := &cloudscope.Savings{Monthly: &total, Currency: b.currency, Quantity: b.qty, Unit: b.unit, UnitPrice: b.price,
		PriceSource: strings.Join(b.sources, "; "), PriceDate: strings.Join(b.dates, ", "),
		Estimate: fmt.Sprintf("%s, %s = %s %s/month", what, strings.Join(b.lines, " "), total.Cents(), b.currency)}
	return s
}

// hours is a month of hours.
var hours = cloudscope.AmountOf(cloudscope.HoursPerMonth)

// hourlySavings is a month of one resource's hourly charge.
func hourlySavings(c *check, item cloudscope.PriceItem, what string) *cloudscope.Savings {
	var b bill
	b.add(c, item, hours, "hours", 1)
	return b.savings(what)
}

// addVolume adds what a volume costs a month: storage, and gp3's IOPS and
// throughput above its baseline. io1 and io2 IOPS are left out and said so.
func addVolume(c *check, b *bill, v *cloudscope.VolumeDetails, label string) {
	b.add(c, cloudscope.PriceVolumeStorage(v.VolumeType), cloudscope.AmountOf(int64(v.SizeGB)), label+"GB", 1)
	if v.VolumeType == "gp3" {
		if extra := int64(v.IOPS) - gp3IOPS; extra > 0 {
			b.add(c, cloudscope.PriceGP3IOPS, cloudscope.AmountOf(extra), "IOPS above 3000", 1)
		}
		if extra := int64(v.ThroughputMBps) - gp3MBps; extra > 0 {
			b.add(c, cloudscope.PriceGP3Throughput, cloudscope.AmountOf(extra), "MiB/s above 125", 1)
		}
	}
	if (v.VolumeType == "io1" || v.VolumeType == "io2") && v.IOPS > 0 && b.unavailable == "" {
		b.lines = append(b.lines, fmt.Sprintf("(its %d provisioned IOPS not included)", v.IOPS))
	}
}

// qtyText is a quantity without the cents a whole number does not need.
func qtyText(a cloudscope.Amount) string { return strings.TrimSuffix(a.String(), ".00") }
