package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/pricing"
)

// RunPriceCache holds a pricing.PriceCache to its contract: a miss is no
// error, an answer comes back whole until its time to live has passed (by
// the store's clock), a newer answer replaces an older one, and keys do
// not collide.
func RunPriceCache(t *testing.T, newCache func(t *testing.T, clock *Clock) pricing.PriceCache) {
	ctx := context.Background()
	clock := NewClock()
	c := newCache(t, clock)
	key := "us-east-1#ebs.storage.gp2"
	if v, ok, err := c.Get(ctx, key); ok || err != nil || v != nil {
		t.Fatalf("empty cache: %q %v %v", v, ok, err)
	}
	val := []byte(`{"amount":"0.10","unit":"GB-Mo","currency":"USD"}`)
	if err := c.Put(ctx, key, val, pricing.TTL); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, "eu-west-1#ebs.storage.gp2", []byte(`{"amount":"0.11"}`), pricing.TTL); err != nil {
		t.Fatal(err)
	}
	clock.Advance(pricing.TTL - time.Minute)
	if v, ok, err := c.Get(ctx, key); !ok || err != nil || string(v) != string(val) {
		t.Fatalf("within the week: %q %v %v", v, ok, err)
	}
	newer := []byte(`{"amount":"0.09"}`)
	if err := c.Put(ctx, key, newer, pricing.TTL); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // the first answers have expired, the newer one has not
	if v, ok, err := c.Get(ctx, key); !ok || err != nil || string(v) != string(newer) {
		t.Fatalf("newer answer: %q %v %v", v, ok, err)
	}
	if _, ok, err := c.Get(ctx, "eu-west-1#ebs.storage.gp2"); ok || err != nil {
		t.Fatalf("an answer past its week is still served: %v %v", ok, err)
	}
	clock.Advance(pricing.TTL)
	if _, ok, err := c.Get(ctx, key); ok || err != nil {
		t.Fatalf("expired answer: %v %v", ok, err)
	}
}
