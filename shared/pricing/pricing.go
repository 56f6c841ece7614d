// Package pricing answers unit prices from the AWS Price List Query API
// (pricing:GetProducts, served from us-east-1): which product of the Price
// List each cloudscope.PriceItem is, how to read the Price List's own JSON,
// and a cache of each answer in the store for a week, so that a scan asks
// at most a few dozen prices and the next scan none. A partition the API
// does not serve, or a product without a price, is answered as unavailable:
// never a guess.
package pricing

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// IAMActions lists every IAM action the pricing package calls.
var IAMActions = []string{"pricing:GetProducts"}

// Region is where the Price List Query API is served from (it also is in
// eu-central-1 and ap-south-1; the prices are the same).
const Region = "us-east-1"

// TTL is how long a price is kept: the Price List changes a few times a
// month at most.
const TTL = 7 * 24 * time.Hour

// API is the Price List call the package makes.
type API interface {
	GetProducts(ctx context.Context, in *pricing.GetProductsInput, optFns ...func(*pricing.Options)) (*pricing.GetProductsOutput, error)
}

// PriceCache keeps answers by key until they expire: the stores implement
// it (dynamostore, filestore, memstore).
type PriceCache interface {
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	Put(ctx context.Context, key string, val []byte, ttl time.Duration) error
}

// Client answers unit prices: from its memory of this process, then the
// cache, then the Price List. It is safe for concurrent use.
type Client struct {
	api   API        // nil: prices are off
	cache PriceCache // nil: none
	now   func() time.Time
	mu    sync.Mutex
	memo  map[string]memo
	calls atomic.Int64
	label string // says where the answers come from when not AWS's own API
}

// memo is an answer this process has: a price or a missing product for
// good, a failed call until a while has passed.
type memo struct {
	p     cloudscope.UnitPrice
	until time.Time // zero: for good
}

// FailureMemo is how long a failed Price List call answers for the same
// price before it is asked again: a scan's findings then wait on it once.
const FailureMemo = 10 * time.Minute

// New returns a Client over the Price List API (nil: prices are off, as
// CLOUDSCOPE_PRICE_LIST=off asks) and a cache (nil for none).
func New(api API, cache PriceCache) *Client {
	return &Client{api: api, cache: cache, now: time.Now, memo: map[string]memo{}}
}

// WithClock sets the clock that ages failed calls (tests).
func (c *Client) WithClock(now func() time.Time) *Client { c.now = now; return c }

// WithLabel names the source of the answers when the Price List is a
// stand-in ("recorded list prices"): each price's Source starts with it.
func (c *Client) WithLabel(label string) *Client { c.label = label; return c }

// Calls counts the GetProducts requests made (each page is one).
func (c *Client) Calls() int { return int(c.calls.Load()) }

// Unserved names the partition of a region the Price List API does not
// serve, or "" when it serves it.
func Unserved(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso"):
		return "aws-iso"
	}
	return ""
}

// UnitPrice is item's price in region, or why there is none.
func (c *Client) UnitPrice(ctx context.Context, region string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	if p := Unserved(region); p != "" {
		return cloudscope.UnitPrice{Unavailable: "the AWS Price List API does not serve the " + p + " partition"}
	}
	if c.api == nil {
		return cloudscope.UnitPrice{Unavailable: "prices are off here (CLOUDSCOPE_PRICE_LIST=off): no Price List was asked"}
	}
	spec, ok := productOf(item)
	if !ok {
		return cloudscope.UnitPrice{Unavailable: fmt.Sprintf("cloudscope does not know the Price List product of %s", item)}
	}
	key := region + "#" + string(item)
	c.mu.Lock()
	m, ok := c.memo[key]
	c.mu.Unlock()
	if ok && (m.until.IsZero() || c.now().Before(m.until)) {
		return m.p
	}
	p, keep := c.lookup(ctx, key, spec, region)
	m = memo{p: p}
	if !keep {
		m.until = c.now().Add(FailureMemo)
	}
	c.mu.Lock()
	c.memo[key] = m
	c.mu.Unlock()
	return p
}

// lookup reads the cache, then the Price List; keep says the answer holds
// (a failed call's does not: it is neither cached nor kept for good).
func (c *Client) lookup(ctx context.Context, key string, spec product, region string) (cloudscope.UnitPrice, bool) {
	if c.cache != nil {
		if b, ok, err := c.cache.Get(ctx, key); err != nil {
			slog.WarnContext(ctx, "price cache read failed; asking the Price List", "key", key, "error", err)
		} else if ok {
			var p cloudscope.UnitPrice
			if err := json.Unmarshal(b, &p); err == nil {
				return p, true
			}
		}
	}
	p, err := c.ask(ctx, spec, region)
	if err != nil {
		return cloudscope.UnitPrice{Unavailable: "the Price List could not be read (" + string(cloudscope.CodeOf(err)) + ")"}, false
	}
	if c.cache != nil {
		if b, err := json.Marshal(p); err == nil {
			if err := c.cache.Put(ctx, key, b, TTL); err != nil {
				slog.WarnContext(ctx, "price cache write failed", "key", key, "error", err)
			}
		}
	}
	return p, true
}

// ask asks the Price List for spec's products in region and reads the one price.
func (c *Client) ask(ctx context.Context, spec product, region string) (cloudscope.UnitPrice, error) {
	in := &pricing.GetProductsInput{ServiceCode: aws.String(spec.service), FormatVersion: aws.String("aws_v1"), MaxResults: aws.Int32(100),
		Filters: spec.filters(region)}
	var offers []offer
	for {
		c.calls.Add(1)
		out, err := c.api.GetProducts(ctx, in)
		if err != nil {
			return cloudscope.UnitPrice{}, awserr.Wrap(err, "pricing GetProducts")
		}
		for _, doc := range out.PriceList {
			o, err := parseOffer(doc)
			if err != nil {
				return cloudscope.UnitPrice{}, cloudscope.Errorf(cloudscope.CodeUpstream, "pricing GetProducts: %v", err)
			}
			if spec.matches(o) {
				offers = append(offers, o)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	p := choose(spec, region, offers)
	if p.Unavailable != "" {
		return p, nil
	}
	amt, err := spec.inUnit(p.Amount, p.Unit)
	if err != nil {
		return cloudscope.UnitPrice{Unavailable: "no price: " + err.Error()}, nil
	}
	if p.Unit != spec.unit.priced() {
		p.Source += fmt.Sprintf(" (published as %s %s per %s, / %d per %s)", p.Amount.String(), p.Currency, p.Unit, spec.unit.factor, spec.unit.priced())
	}
	p.Amount, p.Unit = amt, spec.unit.priced()
	if c.label != "" {
		p.Source = c.label + ": " + p.Source
	}
	return p, nil
}
