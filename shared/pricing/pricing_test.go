package pricing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/readme"
)

// standin serves the recorded Price List records (shared/pricestandin,
// each copied from public material with its source) one per page, in
// front of h when h is not nil (h answers first; false: on to the records).
func standin(t *testing.T, h func(w http.ResponseWriter, r *http.Request) bool) (*pricing.Client, *atomic.Int64) {
	t.Helper()
	s, err := pricestandin.New(pricestandin.Records())
	if err != nil {
		t.Fatal(err)
	}
	s.PageSize = 1
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if h != nil && h(w, r) {
			return
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	api := awspricing.New(awspricing.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	return pricing.New(api, nil), &requests
}

// recorded are the prices of the recorded records: item, region -> price,
// unit, effective date and SKU as the records say.
var recorded = []struct {
	region string
	item   cloudscope.PriceItem
	amount string
	unit   string
	date   string
	sku    string
}{
	{"us-east-1", cloudscope.PriceVolumeStorage("gp2"), "0.10", "GB-Mo", "2019-02-01", "HY3BZPP2B6K8MSJF"},
	{"us-east-1", cloudscope.PriceVolumeStorage("standard"), "0.05", "GB-Mo", "2019-02-01", "269VXUCZZ7E6JNXT"},
	{"us-east-1", cloudscope.PriceSnapshotStandard, "0.05", "GB-Mo", "2017-07-01", "7U7TWP44UP36AT3R"},
	{"ap-southeast-1", cloudscope.PriceVolumeStorage("io1"), "0.138", "GB-Mo", "2018-08-01", "3MKHN58N7RDDVGKJ"}, // usage type APS1-EBS:VolumeUsage.piops
	{"us-east-2", cloudscope.PriceVolumeStorage("gp3"), "0.08", "GB-Mo", "2023-03-01", "M6UGCCQ3CDJQAA37"},
	{"af-south-1", cloudscope.PriceVolumeStorage("gp3"), "0.1047", "GB-Mo", "2024-07-01", "XWCTMRRUJM7TGYST"},
	// No productFamily in these records: found by group and region code.
	{"ap-south-1", cloudscope.PricePublicIPv4, "0.005", "Hrs", "2024-06-01", "CSRJTKHMAVNJSJAK"},
	{"ap-south-1", cloudscope.PricePublicIPv4InUse, "0.005", "Hrs", "2024-06-01", "H6SHSM3KDNNZRM9E"},
	// One answer holds every load balancer's LoadBalancerUsage (and the
	// Outposts lines, whose usage type has no region prefix but "Outposts-"):
	// the product family tells them apart.
	{"us-east-1", cloudscope.PriceALB, "0.0225", "Hrs", "2022-12-01", "37CUWUT8GSNQEPUV"},
	{"us-east-1", cloudscope.PriceNLB, "0.0225", "Hrs", "2022-12-01", "YKBGGP5EBGDU9T5W"},
	{"us-east-1", cloudscope.PriceCLB, "0.025", "Hrs", "2022-12-01", "6XT9C7FFNQ3T39YK"},
	// DynamoDB on demand in eu-west-1 (usage type EU-ReadRequestUnits), at
	// 2019's prices: before the November 2024 cut.
	{"eu-west-1", cloudscope.PriceDynamoReadRU, "0.000000283", "ReadRequestUnits", "2019-06-01", "3ERQSZWPAMX2JWHN"},
	{"eu-west-1", cloudscope.PriceDynamoWriteRU, "0.0000014135", "WriteRequestUnits", "2019-06-01", "F4EZE5SAMS3D49NJ"},
	{"us-east-1", cloudscope.PriceEC2Instance("t2.micro", linux), "0.0116", "Hrs", "2023-02-01", "HZC9FAP4F9Y8JW67"},
	{"us-east-1", cloudscope.PriceEC2Instance("t2.medium", linux), "0.0464", "Hrs", "2023-04-01", "QY3YSEST3C6FQNQH"},
}

func TestPricesFromRecordedRecords(t *testing.T) {
	c, requests := standin(t, nil)
	ctx := context.Background()
	for _, r := range recorded {
		t.Run(r.region+"/"+string(r.item), func(t *testing.T) {
			p := c.UnitPrice(ctx, r.region, r.item)
			want, _ := cloudscope.ParseAmount(r.amount)
			if p.Unavailable != "" || p.Amount.Cmp(want) != 0 || p.Unit != r.unit || p.Currency != "USD" || p.Date != r.date ||
				!strings.HasPrefix(p.Source, "AWS Price List ") || !strings.Contains(p.Source, "SKU "+r.sku) {
				t.Errorf("%+v, want %s USD per %s of %s (SKU %s)", p, r.amount, r.unit, r.date, r.sku)
			}
		})
	}
	asked := requests.Load()
	if asked < int64(len(recorded)) || c.Calls() != int(asked) {
		t.Errorf("%d requests for %d prices (the client counts %d)", asked, len(recorded), c.Calls())
	}
	// Asked again in the same process: remembered.
	c.UnitPrice(ctx, "us-east-1", cloudscope.PriceVolumeStorage("gp2"))
	if requests.Load() != asked {
		t.Errorf("a price asked twice was fetched twice")
	}
}

func TestItemsWithoutARecordHaveNoPrice(t *testing.T) {
	c, _ := standin(t, nil)
	ctx := context.Background()
	// No public recorded record was found for these: said, never guessed.
	for _, item := range []cloudscope.PriceItem{cloudscope.PriceGP3Throughput, cloudscope.PriceGP3IOPS, cloudscope.PriceSnapshotArchive,
		cloudscope.PriceNATGateway, cloudscope.PriceDynamoRCU, cloudscope.PriceDynamoWCU, cloudscope.PriceDynamoReadRU, cloudscope.PriceDynamoIARCU,
		cloudscope.PricePublicIPv4, cloudscope.PriceVolumeStorage("gp3"), cloudscope.PriceEC2Instance("m5.xlarge", linux)} {
		if p := c.UnitPrice(ctx, "us-east-1", item); !strings.HasPrefix(p.Unavailable, "no price found") || !p.Amount.IsZero() {
			t.Errorf("%s: %+v", item, p)
		}
	}
	// A record of another region is not this region's price.
	if p := c.UnitPrice(ctx, "eu-west-1", cloudscope.PriceVolumeStorage("gp3")); !strings.Contains(p.Unavailable, "eu-west-1") {
		t.Errorf("a region without a record: %+v", p)
	}
	before := c.Calls()
	for _, region := range []string{"cn-north-1", "cn-northwest-1", "us-gov-west-1"} {
		if p := c.UnitPrice(ctx, region, cloudscope.PriceNATGateway); !strings.Contains(p.Unavailable, "does not serve the aws-") {
			t.Errorf("%s: %+v", region, p)
		}
	}
	if c.Calls() != before {
		t.Errorf("a partition without the Price List was asked anyway")
	}
	if p := c.UnitPrice(ctx, "us-east-1", "ec2.instance.m5.large"); !strings.Contains(p.Unavailable, "does not know") {
		t.Errorf("an unknown item: %+v", p)
	}
}

func TestALabelSaysWhereThePricesComeFrom(t *testing.T) {
	c, _ := standin(t, nil)
	c.WithLabel(pricestandin.Label)
	p := c.UnitPrice(context.Background(), "us-east-1", cloudscope.PriceVolumeStorage("gp2"))
	if !strings.HasPrefix(p.Source, "recorded list prices: AWS Price List AmazonEC2 SKU HY3BZPP2B6K8MSJF") {
		t.Errorf("source %q", p.Source)
	}
}

func TestTheCacheCutsTheNextScansCallsToZero(t *testing.T) {
	cache := memstore.NewPriceCache(nil)
	ctx := context.Background()
	withCache := func() (*pricing.Client, *atomic.Int64) {
		s, err := pricestandin.New(pricestandin.Records())
		if err != nil {
			t.Fatal(err)
		}
		var n atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); s.ServeHTTP(w, r) }))
		t.Cleanup(srv.Close)
		api := awspricing.New(awspricing.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
		return pricing.New(api, cache), &n
	}
	a, n1 := withCache()
	for _, r := range recorded {
		a.UnitPrice(ctx, r.region, r.item)
	}
	a.UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway) // no price: cached too
	b, n2 := withCache()
	for _, r := range recorded {
		if p := b.UnitPrice(ctx, r.region, r.item); p.Amount.String() == "0" || p.Source == "" || p.Unit != r.unit {
			t.Errorf("cached %s in %s: %+v", r.item, r.region, p)
		}
	}
	if p := b.UnitPrice(ctx, "us-east-1", cloudscope.PriceNATGateway); !strings.HasPrefix(p.Unavailable, "no price found") {
		t.Errorf("cached missing price: %+v", p)
	}
	if n1.Load() == 0 || n2.Load() != 0 {
		t.Errorf("first process %d calls, second %d (want 0)", n1.Load(), n2.Load())
	}
}

func TestAFailedCallIsNotKept(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	c, requests := standin(t, func(w http.ResponseWriter, r *http.Request) bool {
		if !fail.Load() {
			return false
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"AccessDeniedException","message":"not authorized to perform pricing:GetProducts"}`))
		return true
	})
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c.WithClock(func() time.Time { return clock })
	ctx := context.Background()
	gp2 := cloudscope.PriceVolumeStorage("gp2")
	if p := c.UnitPrice(ctx, "us-east-1", gp2); !strings.Contains(p.Unavailable, "could not be read (upstream_access_denied)") {
		t.Errorf("denied: %+v", p)
	}
	fail.Store(false)
	// The scan's other findings hear the same answer without a call.
	if p := c.UnitPrice(ctx, "us-east-1", gp2); p.Unavailable == "" || requests.Load() != 1 {
		t.Errorf("right after the denial: %+v, %d calls", p, requests.Load())
	}
	clock = clock.Add(pricing.FailureMemo)
	if p := c.UnitPrice(ctx, "us-east-1", gp2); p.Amount.String() != "0.10" {
		t.Errorf("after the denial: %+v", p)
	}
	if p := pricing.New(nil, nil).UnitPrice(ctx, "us-east-1", gp2); !strings.Contains(p.Unavailable, "prices are off") {
		t.Errorf("without the API: %+v", p)
	}
}

func TestIAMActionsAreInTheREADME(t *testing.T) {
	readme.RequireIAMActions(t, pricing.IAMActions)
}
