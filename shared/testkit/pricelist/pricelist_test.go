package pricelist_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
)

func TestEveryPriceIsAnsweredFromItsRecord(t *testing.T) {
	c := pricing.New(pricingclient.Global(awsstub.Clients(pricelist.Handler())), nil)
	for item, want := range pricelist.Prices {
		p := c.UnitPrice(context.Background(), "us-east-1", item)
		amount, err := cloudscope.ParseAmount(want[0])
		if err != nil {
			t.Fatal(err)
		}
		if p.Unavailable != "" || p.Amount.Cmp(amount) != 0 || p.Unit != want[1] {
			t.Errorf("%s: %+v, want %s per %s", item, p, want[0], want[1])
			continue
		}
		// A recorded item is priced from its recorded record, every other
		// one from a hand-written record (its SKU a stand-in).
		if sku, ok := pricelist.Recorded[item]; ok {
			if !strings.Contains(p.Source, "SKU "+sku+",") {
				t.Errorf("%s: priced from %s, not the recorded SKU %s", item, p.Source, sku)
			}
		} else if !strings.Contains(p.Source, "SKU CSCP") {
			t.Errorf("%s: priced from %s, not a hand-written record", item, p.Source)
		}
	}
}

// key is what tells Price List products apart in the lookups: service code,
// product family, usage type and group.
type key struct{ service, family, usage, group, region string }

func keyOf(t *testing.T, raw []byte) key {
	t.Helper()
	var d struct {
		ServiceCode string `json:"serviceCode"`
		Product     struct {
			ProductFamily string            `json:"productFamily"`
			Attributes    map[string]string `json:"attributes"`
		} `json:"product"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	a := d.Product.Attributes
	region := a["regionCode"]
	if region == "" && a["location"] == "US East (N. Virginia)" {
		region = "us-east-1"
	}
	return key{d.ServiceCode, d.Product.ProductFamily, a["usagetype"], a["group"], region}
}

func TestNoHandWrittenRecordStandsForARecordedOne(t *testing.T) {
	recorded := map[key]bool{}
	for _, r := range pricestandin.Records() {
		recorded[keyOf(t, r.Record)] = true
	}
	var f struct{ Products []json.RawMessage }
	if err := json.Unmarshal(pricelist.HandWritten, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Products) == 0 || len(pricelist.Products()) != len(f.Products)+len(pricestandin.Records()) {
		t.Fatalf("%d hand-written products, %d in all", len(f.Products), len(pricelist.Products()))
	}
	for _, raw := range f.Products {
		k := keyOf(t, raw)
		if recorded[k] {
			t.Errorf("hand-written %+v: a recorded record of it exists, use that one", k)
		}
		if !strings.Contains(string(raw), `"sku": "CSCP`) {
			t.Errorf("hand-written %+v: its SKU is not marked as a stand-in", k)
		}
	}
}
