package dynamostore

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
	"github.com/cloudscope/cloudscope/shared/testkit/storetest"
)

var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

func TestMotoCostCache(t *testing.T) {
	moto.Reset(t)
	client := dynamodbclient.Home(moto.Clients(t))
	if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c := NewCostCache(client, "cloudscope", func() time.Time { return clock })
	ctx := context.Background()

	if _, ok, err := c.Get(ctx, "nothing"); ok || err != nil {
		t.Fatalf("empty cache: %v %v", ok, err)
	}
	key := "2026-10-27..2026-11-26/DAILY/TAG:cost center/UnblendedCost"
	val := bytes.Repeat([]byte(`{"key":"Amazon Elastic Compute Cloud - Compute","amount":"41.2000000000"},`), 20000) // 1.4 MB raw
	if err := c.Put(ctx, key, val, 6*time.Hour); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get(ctx, key)
	if err != nil || !ok || !bytes.Equal(got, val) {
		t.Fatalf("read back %d bytes, %v %v; want the %d written", len(got), ok, err, len(val))
	}
	clock = clock.Add(6 * time.Hour) // expired, though the emulator (like DynamoDB, for a while) still has the item
	if _, ok, _ := c.Get(ctx, key); ok {
		t.Error("an expired entry was served")
	}
	random := make([]byte, MaxValueBytes+1024) // does not compress
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	if err := c.Put(ctx, "big", random, time.Hour); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("an oversized value: %v", err)
	}
	if err := NewCostCache(client, "missing-table", nil).Put(ctx, "k", []byte("v"), time.Hour); err == nil {
		t.Error("a missing table went unnoticed")
	}
}

func TestMotoPriceCacheContract(t *testing.T) {
	moto.Reset(t)
	client := dynamodbclient.Home(moto.Clients(t))
	if err := CreateTable(context.Background(), client, "cloudscope"); err != nil {
		t.Fatal(err)
	}
	storetest.RunPriceCache(t, func(t *testing.T, clock *storetest.Clock) pricing.PriceCache {
		return NewPriceCache(client, "cloudscope", clock.Now)
	})
}
