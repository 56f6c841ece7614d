package pricing

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// offer is one PriceList entry of GetProducts: the Price List's own JSON
// document of a product and its terms (format aws_v1).
type offer struct {
	Product struct {
		SKU           string            `json:"sku"`
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
	} `json:"product"`
	ServiceCode     string `json:"serviceCode"`
	PublicationDate string `json:"publicationDate"`
	Terms           struct {
		OnDemand map[string]term `json:"OnDemand"`
	} `json:"terms"`
}

type term struct {
	OfferTermCode   string               `json:"offerTermCode"`
	SKU             string               `json:"sku"`
	EffectiveDate   string               `json:"effectiveDate"`
	PriceDimensions map[string]dimension `json:"priceDimensions"`
}

type dimension struct {
	RateCode     string            `json:"rateCode"`
	Description  string            `json:"description"`
	Unit         string            `json:"unit"`
	BeginRange   string            `json:"beginRange"`
	EndRange     string            `json:"endRange"`
	PricePerUnit map[string]string `json:"pricePerUnit"`
}

func parseOffer(doc string) (offer, error) {
	var o offer
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return o, fmt.Errorf("a Price List document is not JSON: %w", err)
	}
	if o.Product.SKU == "" {
		return o, fmt.Errorf("a Price List document has no product SKU")
	}
	return o, nil
}

// choose reads the one price of the offers found: the on-demand term's
// price per unit. A tiered price (a free tier first) is the last tier's,
// the rate past the free use. No offer, or offers that disagree, is no price.
func choose(spec product, region string, offers []offer) cloudscope.UnitPrice {
	what := fmt.Sprintf("%s %s", spec.service, spec.usage)
	if len(offers) == 0 {
		return cloudscope.UnitPrice{Unavailable: fmt.Sprintf("no price found: the Price List has no %s in %s", what, region)}
	}
	var prices []cloudscope.UnitPrice
	for _, o := range offers {
		p, ok := onDemand(o)
		if !ok {
			continue
		}
		prices = append(prices, p)
	}
	if len(prices) == 0 {
		return cloudscope.UnitPrice{Unavailable: fmt.Sprintf("no price found: the Price List's %s in %s has no on-demand price", what, region)}
	}
	// The answer is the price whose source sorts first (the same one
	// whatever order the Price List pages come in), once every product
	// agrees on it.
	first := 0
	for i, p := range prices {
		if p.Source < prices[first].Source {
			first = i
		}
	}
	for _, p := range prices {
		if p.Amount.Cmp(prices[first].Amount) != 0 || p.Unit != prices[first].Unit {
			return cloudscope.UnitPrice{Unavailable: fmt.Sprintf("no single price: %d Price List products of %s in %s differ", len(prices), what, region)}
		}
	}
	return prices[first]
}

// onDemand is an offer's on-demand price.
func onDemand(o offer) (cloudscope.UnitPrice, bool) {
	if len(o.Terms.OnDemand) != 1 {
		return cloudscope.UnitPrice{}, false
	}
	for code, t := range o.Terms.OnDemand {
		var best *dimension
		bestBegin := -1.0
		for _, d := range t.PriceDimensions {
			begin, err := strconv.ParseFloat(d.BeginRange, 64)
			if err != nil {
				begin = 0
			}
			if begin > bestBegin {
				d := d
				best, bestBegin = &d, begin
			}
		}
		if best == nil {
			return cloudscope.UnitPrice{}, false
		}
		cur, val := "USD", best.PricePerUnit["USD"]
		if val == "" {
			for c, v := range best.PricePerUnit {
				cur, val = c, v
			}
		}
		amt, err := cloudscope.ParseAmount(val)
		if err != nil {
			return cloudscope.UnitPrice{}, false
		}
		date := t.EffectiveDate
		if i := strings.IndexByte(date, 'T'); i > 0 {
			date = date[:i]
		}
		src := fmt.Sprintf("AWS Price List %s SKU %s, OnDemand term %s, rate %s", o.ServiceCode, o.Product.SKU, code, best.RateCode)
		if len(t.PriceDimensions) > 1 {
			src += " (the tier past the free use)"
		}
		return cloudscope.UnitPrice{Amount: amt, Unit: best.Unit, Currency: cur, Source: src, Date: date}, true
	}
	return cloudscope.UnitPrice{}, false
}
