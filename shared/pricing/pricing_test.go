package pricing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
	"github.com/cloudscope/cloudscope/shared/testkit/pricelist"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

// fixturePrices are the fixture's public us-east-1 prices as of 2026-11-01.
var fixturePrices = pricelist.Prices

func client(t *testing.T, h awsstub.Handler, cache pricing.PriceCache) (*pricing.Client, *awsstub.Counter) {
	t.Helper()
	var calls awsstub.Counter
	return pricing.New(awsstub.Clients(calls.Wrap(h)).Pricing(), cache), &calls
}

func TestPricesFromThePriceList(t *testing.T) {
	c, calls := client(t, pricelist.Handler(), nil)
	ctx := context.Background()
	for item, want := range fixturePrices {
		p := c.UnitPrice(ctx, "us-east-1", item)
		if p.Unavailable != "" || p.Amount.String() != want[0] || p.Unit != want[1] || p.Currency != "USD" || p.Date != "2026-11-01" ||
			!strings.HasPrefix(p.Source, "AWS Price List ") || !strings.Contains(p.Source, "SKU ") {
			t.Errorf("%s: %+v, want %s per %s", item, p, want[0], want[1])
		}
	}
	if p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceDynamoRCU); !strings.Contains(p.Source, "past the free use") {
		t.Errorf("a tiered price should say which tier: %s", p.Source)
	}
	asked := calls.Count("Pricing.GetProducts")
	if asked < len(fixturePrices) || asked > 2*len(fixturePrices) {
		t.Errorf("%d GetProducts calls for %d prices", asked, len(fixturePrices))
	}
	// Asked again in the same process: remembered.
	c.UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway)
	if calls.Count("Pricing.GetProducts") != asked || c.Calls() != asked {
		t.Errorf("a price asked twice was fetched twice: %d then %d (client counts %d)", asked, calls.Count("Pricing.GetProducts"), c.Calls())
	}
}

func TestTheCacheCutsTheNextScansCallsToZero(t *testing.T) {
	cache := memstore.NewPriceCache(nil)
	ctx := context.Background()
	first, calls1 := client(t, pricelist.Handler(), cache)
	for item := range fixturePrices {
		first.UnitPrice(ctx, "us-east-1", item)
	}
	first.UnitPrice(ctx, "us-east-1", cloudscope.PriceVolumeStorage("io1")) // no price: cached too
	second, calls2 := client(t, pricelist.Handler(), cache)
	for item, want := range fixturePrices {
		if p := second.UnitPrice(ctx, "us-east-1", item); p.Amount.String() != want[0] || p.Source == "" {
			t.Errorf("cached %s: %+v", item, p)
		}
	}
	if p := second.UnitPrice(ctx, "us-east-1", cloudscope.PriceVolumeStorage("io1")); !strings.HasPrefix(p.Unavailable, "no price found") {
		t.Errorf("cached missing price: %+v", p)
	}
	if calls1.Total() == 0 || calls2.Total() != 0 {
		t.Errorf("first process %d calls, second %d (want 0)", calls1.Total(), calls2.Total())
	}
}

func TestNoPriceIsSaidNeverGuessed(t *testing.T) {
	c, calls := client(t, pricelist.Handler(), nil)
	ctx := context.Background()
	p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceSnapshotArchive)
	if !strings.HasPrefix(p.Unavailable, "no price found") || !p.Amount.IsZero() {
		t.Errorf("a product the Price List lacks: %+v", p)
	}
	if p := c.UnitPrice(ctx, "eu-west-1", cloudscope.PriceVolumeStorage("gp2")); !strings.Contains(p.Unavailable, "eu-west-1") {
		t.Errorf("a region the fixture lacks: %+v", p)
	}
	before := calls.Total()
	for _, region := range []string{"cn-north-1", "cn-northwest-1", "us-gov-west-1"} {
		if p := c.UnitPrice(ctx, region, cloudscope.PriceNATGateway); !strings.Contains(p.Unavailable, "does not serve the aws-") {
			t.Errorf("%s: %+v", region, p)
		}
	}
	if calls.Total() != before {
		t.Errorf("a partition without the Price List was asked anyway")
	}
	if p := c.UnitPrice(ctx, "us-east-1", "ec2.instance.m5.large"); !strings.Contains(p.Unavailable, "does not know") {
		t.Errorf("an unknown item: %+v", p)
	}
}

func TestAFailedCallIsNotKept(t *testing.T) {
	fail := true
	h := func(ctx context.Context, c awsstub.Call) (any, error) {
		if fail {
			return nil, awsstub.APIError("AccessDeniedException", "not authorized to perform pricing:GetProducts")
		}
		return pricelist.Handler()(ctx, c)
	}
	cache := memstore.NewPriceCache(nil)
	c, calls := client(t, h, cache)
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c.WithClock(func() time.Time { return clock })
	ctx := context.Background()
	if p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway); !strings.Contains(p.Unavailable, "could not be read (upstream_access_denied)") {
		t.Errorf("denied: %+v", p)
	}
	fail = false
	// The scan's other findings hear the same answer without a call.
	if p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway); p.Unavailable == "" || calls.Total() != 1 {
		t.Errorf("right after the denial: %+v, %d calls", p, calls.Total())
	}
	clock = clock.Add(pricing.FailureMemo)
	if p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway); p.Amount.String() != "0.045" {
		t.Errorf("after the denial: %+v", p)
	}
	if _, ok, _ := cache.Get(ctx, "us-east-1#"+string(cloudscope.PriceNATGateway)); !ok {
		t.Errorf("the price read after the denial was not cached")
	}
	if p := pricing.New(nil, nil).UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway); !strings.Contains(p.Unavailable, "emulator") {
		t.Errorf("without the API: %+v", p)
	}
}

func TestIAMActionsAreInTheREADME(t *testing.T) {
	readme.RequireIAMActions(t, pricing.IAMActions)
}
