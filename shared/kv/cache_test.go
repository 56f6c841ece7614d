package kv_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

func TestCacheOnMemoryKeepsThePriceCacheContract(t *testing.T) {
	storetest.RunPriceCache(t, func(t *testing.T, clock *storetest.Clock) pricing.PriceCache {
		return kv.NewCache(kv.NewMemory(clock.Now), "price#", clock.Now)
	})
}

// Answers are stored gzipped, so that one larger than an item raw fits;
// one too large even gzipped is refused, saying so.
func TestCacheGzipsAnswers(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemory(nil)
	c := kv.NewCache(store, "cost#", nil)
	val := bytes.Repeat([]byte(`{"key":"Amazon Elastic Compute Cloud - Compute","amount":"41.2000000000"},`), 20000) // 1.4 MB
	if err := c.Put(ctx, "q", val, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := c.Get(ctx, "q"); !ok || err != nil || !bytes.Equal(got, val) {
		t.Fatalf("read back %d bytes %v %v, want %d", len(got), ok, err, len(val))
	}
	it, ok, _ := store.Get(ctx, kv.Key{Partition: "cost#q", Sort: "answer"})
	if !ok || len(it.Value) > len(val)/10 {
		t.Errorf("stored %d bytes for a %d-byte answer", len(it.Value), len(val))
	}
	random := make([]byte, kv.MaxValueBytes+1024) // does not compress
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	if err := c.Put(ctx, "big", random, time.Hour); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("an answer too large gzipped: %v", err)
	}
}

// Two identities sharing one store each read only their own answers.
func TestCacheForAnIdentityKeepsItsAnswersApart(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemory(nil)
	base := kv.NewCache(store, "cost#", nil)
	prod := base.For(func(context.Context) (string, error) { return "111111111111", nil })
	dev := base.For(func(context.Context) (string, error) { return "222222222222", nil })
	if err := prod.Put(ctx, "q", []byte("prod's"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := dev.Get(ctx, "q"); ok || err != nil {
		t.Fatalf("dev read %q %v", got, err)
	}
	if got, ok, err := prod.Get(ctx, "q"); !ok || err != nil || string(got) != "prod's" {
		t.Fatalf("prod read %q %v %v", got, ok, err)
	}
	if _, ok, _ := store.Get(ctx, kv.Key{Partition: kv.Scope("111111111111", "cost#q"), Sort: "answer"}); !ok {
		t.Error("prod's answer is not in prod's partition")
	}
	broken := base.For(func(context.Context) (string, error) { return "", context.DeadlineExceeded })
	if _, _, err := broken.Get(ctx, "q"); err == nil {
		t.Error("an unknown identity read an answer")
	}
}
