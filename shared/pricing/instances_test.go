package pricing_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// m5Large is one GetProducts PriceList entry as AWS answered it, recorded
// by AWS's amazon-ec2-instance-selector for its tests:
// github.com/aws/amazon-ec2-instance-selector, test/static/GetProducts/m5_large.json
// at commit 1863d05c37e6376776205760472e6309b26d0b54 (us-east-1, Linux,
// shared tenancy, on demand 0.096 USD an hour, effective 2021-02-01).
// Copied as recorded.
//
//go:embed testdata/m5_large.json
var m5Large string

// recordedProducts answers GetProducts with the recorded products that
// match every TERM_MATCH filter, as the API does. The record predates the
// Price List's regionCode attribute: its region is its location's.
func recordedProducts(seen *[]*awspricing.GetProductsInput, docs ...string) awsstub.Handler {
	regionOf := map[string]string{"US East (N. Virginia)": "us-east-1"}
	return func(_ context.Context, c awsstub.Call) (any, error) {
		in, ok := c.Input.(*awspricing.GetProductsInput)
		if !ok {
			return nil, awsstub.APIError("UnsupportedOperation", c.Operation)
		}
		*seen = append(*seen, in)
		var found []string
		for _, doc := range docs {
			var d struct {
				ServiceCode string `json:"serviceCode"`
				Product     struct {
					ProductFamily string            `json:"productFamily"`
					Attributes    map[string]string `json:"attributes"`
				} `json:"product"`
			}
			if err := json.Unmarshal([]byte(doc), &d); err != nil {
				return nil, err
			}
			attrs := d.Product.Attributes
			if attrs["regionCode"] == "" {
				attrs["regionCode"] = regionOf[attrs["location"]]
			}
			match := d.ServiceCode == aws.ToString(in.ServiceCode)
			for _, f := range in.Filters {
				got := attrs[aws.ToString(f.Field)]
				if aws.ToString(f.Field) == "productFamily" {
					got = d.Product.ProductFamily
				}
				match = match && f.Type == types.FilterTypeTermMatch && got == aws.ToString(f.Value)
			}
			if match {
				found = append(found, doc)
			}
		}
		return &awspricing.GetProductsOutput{PriceList: found, FormatVersion: aws.String("aws_v1")}, nil
	}
}

var linux = cloudscope.EC2InstanceOffer{OS: "Linux", Tenancy: "Shared", License: "No License required", Software: "NA"}

func TestAnInstancePriceIsItsOnDemandLine(t *testing.T) {
	var seen []*awspricing.GetProductsInput
	c, calls := client(t, recordedProducts(&seen, m5Large), memstore.NewPriceCache(nil))
	ctx := context.Background()
	p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceEC2Instance("m5.large", linux))
	if p.Unavailable != "" || p.Amount.String() != "0.096" || p.Unit != "Hrs" || p.Currency != "USD" || p.Date != "2021-02-01" ||
		!strings.Contains(p.Source, "AmazonEC2 SKU 6C86BEPQVG73ZGGR, OnDemand term 6C86BEPQVG73ZGGR.JRTCKXETXF") {
		t.Errorf("m5.large on Linux: %+v", p)
	}
	// The filters name the line: a running instance's, with nothing pre-installed.
	want := map[string]string{"regionCode": "us-east-1", "instanceType": "m5.large", "operatingSystem": "Linux",
		"tenancy": "Shared", "licenseModel": "No License required", "preInstalledSw": "NA", "capacitystatus": "Used"}
	got := map[string]string{}
	for _, f := range seen[0].Filters {
		got[aws.ToString(f.Field)] = aws.ToString(f.Value)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("filter %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	// Another operating system or tenancy is another line: the record does not answer it.
	for _, o := range []cloudscope.EC2InstanceOffer{
		{OS: "Windows", Tenancy: "Shared", License: "No License required", Software: "NA"},
		{OS: "Linux", Tenancy: "Dedicated", License: "No License required", Software: "NA"},
		{OS: "Linux", Tenancy: "Shared", License: "No License required", Software: "SQL Std"},
	} {
		if p := c.UnitPrice(ctx, "us-east-1", cloudscope.PriceEC2Instance("m5.large", o)); !strings.HasPrefix(p.Unavailable, "no price found") {
			t.Errorf("%+v: %+v", o, p)
		}
	}
	before := calls.Total()
	c.UnitPrice(ctx, "us-east-1", cloudscope.PriceEC2Instance("m5.large", linux))
	if calls.Total() != before {
		t.Errorf("an instance price asked twice was fetched twice")
	}
}

// testdata reads a recorded file of testdata/ (SOURCES.md says where each
// was copied from).
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// offerDocs are the products of a bulk offer file excerpt in the shape
// GetProducts answers them: each product with its on-demand terms, the
// offer's service code, version and publication date (nothing else added
// or changed).
func offerDocs(t *testing.T, name string) []string {
	t.Helper()
	var f struct {
		OfferCode       string                     `json:"offerCode"`
		Version         string                     `json:"version"`
		PublicationDate string                     `json:"publicationDate"`
		Products        map[string]json.RawMessage `json:"products"`
		Terms           struct {
			OnDemand map[string]json.RawMessage `json:"OnDemand"`
		} `json:"terms"`
	}
	if err := json.Unmarshal(testdata(t, name), &f); err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, sku := range slices.Sorted(maps.Keys(f.Products)) {
		b, err := json.Marshal(map[string]any{"product": f.Products[sku], "serviceCode": f.OfferCode,
			"terms": map[string]any{"OnDemand": f.Terms.OnDemand[sku]}, "version": f.Version, "publicationDate": f.PublicationDate})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	return docs
}

func TestACapacityBlockLineIsNotTheOnDemandPrice(t *testing.T) {
	// The bulk offer file has two p4d.24xlarge Linux products in us-east-1
	// with the same usage type, tenancy and capacity status: the on-demand
	// one, and a Capacity Block one at 0.00 an hour.
	docs := offerDocs(t, "p4d_24xlarge_offer.json")
	if len(docs) != 2 {
		t.Fatalf("%d products in the excerpt", len(docs))
	}
	var seen []*awspricing.GetProductsInput
	c, _ := client(t, recordedProducts(&seen, docs...), nil)
	p := c.UnitPrice(context.Background(), "us-east-1", cloudscope.PriceEC2Instance("p4d.24xlarge", linux))
	if p.Unavailable != "" || p.Amount.String() != "32.7726" || p.Unit != "Hrs" || p.Date != "2024-05-01" ||
		!strings.Contains(p.Source, "SKU H7NGEAC6UEHNTKSJ") {
		t.Errorf("p4d.24xlarge on Linux: %+v", p)
	}
}

func TestRecordedInstanceLines(t *testing.T) {
	// t2_micro.json is a list of PriceList entries; t2_medium.json a whole
	// get_products answer, whose entry carries reserved terms too.
	var micro []json.RawMessage
	if err := json.Unmarshal(testdata(t, "t2_micro.json"), &micro); err != nil {
		t.Fatal(err)
	}
	var medium struct{ PriceList []string }
	if err := json.Unmarshal(testdata(t, "t2_medium.json"), &medium); err != nil {
		t.Fatal(err)
	}
	docs := append([]string{string(micro[0])}, medium.PriceList...)
	var seen []*awspricing.GetProductsInput
	c, _ := client(t, recordedProducts(&seen, docs...), nil)
	for _, tc := range []struct{ typ, amount, date, sku string }{
		{"t2.micro", "0.0116", "2023-02-01", "HZC9FAP4F9Y8JW67"},
		{"t2.medium", "0.0464", "2023-04-01", "QY3YSEST3C6FQNQH"},
	} {
		p := c.UnitPrice(context.Background(), "us-east-1", cloudscope.PriceEC2Instance(tc.typ, linux))
		if p.Unavailable != "" || p.Amount.String() != tc.amount || p.Unit != "Hrs" || p.Date != tc.date ||
			!strings.Contains(p.Source, "SKU "+tc.sku+", OnDemand term "+tc.sku+".JRTCKXETXF") {
			t.Errorf("%s: %+v", tc.typ, p)
		}
	}
}

func TestADatabasePriceNamesEngineDeploymentAndLicence(t *testing.T) {
	var seen []*awspricing.GetProductsInput
	c, _ := client(t, recordedProducts(&seen), nil)
	item := cloudscope.PriceRDSInstance("db.m5.large", cloudscope.RDSInstanceOffer{Engine: "SQL Server", Edition: "Standard", Deployment: "Multi-AZ", License: "License included"})
	if p := c.UnitPrice(context.Background(), "eu-west-1", item); !strings.HasPrefix(p.Unavailable, "no price found") {
		t.Errorf("no record: %+v", p)
	}
	got := map[string]string{}
	for _, f := range seen[0].Filters {
		got[aws.ToString(f.Field)] = aws.ToString(f.Value)
	}
	want := map[string]string{"regionCode": "eu-west-1", "instanceType": "db.m5.large", "databaseEngine": "SQL Server",
		"databaseEdition": "Standard", "deploymentOption": "Multi-AZ", "licenseModel": "License included"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("filter %s = %q, want %q", k, got[k], v)
		}
	}
	if aws.ToString(seen[0].ServiceCode) != "AmazonRDS" {
		t.Errorf("service %s", aws.ToString(seen[0].ServiceCode))
	}
}

// client is a Price List client over the SDK stub answering with h, and
// its call counter.
func client(t *testing.T, h awsstub.Handler, cache pricing.PriceCache) (*pricing.Client, *awsstub.Counter) {
	t.Helper()
	var calls awsstub.Counter
	return pricing.New(pricingclient.Global(awsstub.Clients(calls.Wrap(h))), cache), &calls
}
