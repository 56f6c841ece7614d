package cloudscope

// Bill is what a scan cost in AWS charges: the billed and free calls it
// made, each with its units, unit price and charge, and the total. The
// prices are list prices with their date and source (shared/bill keeps
// them); an estimate, not an invoice: free tiers and credits are left out.
type Bill struct {
	Items     []BillItem `json:"items"`
	Total     Amount     `json:"total"`
	Currency  string     `json:"currency"`
	PriceDate string     `json:"price_date"`
	Source    string     `json:"source"`
}

// BillItem is one API's part of a bill: Calls requests, billed as Units of
// Unit ("request", "metric") at UnitPrice each (0 for a free call).
type BillItem struct {
	API       string `json:"api"`
	Calls     int64  `json:"calls"`
	Units     int64  `json:"units"`
	Unit      string `json:"unit"`
	UnitPrice Amount `json:"unit_price"`
	Charge    Amount `json:"charge"`
}

// AddUnits counts units more of api's billed unit, before the bill is
// priced; a nil bill counts nothing.
func (b *Bill) AddUnits(api string, units int64) {
	if b == nil {
		return
	}
	for i := range b.Items {
		if b.Items[i].API == api {
			b.Items[i].Units += units
			return
		}
	}
	b.Items = append(b.Items, BillItem{API: api, Units: units})
}

// Units is what AddUnits counted for api.
func (b *Bill) Units(api string) int64 {
	if b == nil {
		return 0
	}
	for _, it := range b.Items {
		if it.API == api {
			return it.Units
		}
	}
	return 0
}
