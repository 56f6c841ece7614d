// Package pricelist answers the Price List Query API's GetProducts in
// tests and benchmarks (the emulator has none): Price List records in their
// own JSON format, filtered as the API filters them and paged. The records
// are the recorded ones of shared/pricestandin (copied from public
// material, with their sources), and, for the products of which no public
// record was found, hand-written ones (HandWritten).
package pricelist

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// HandWritten are the products the rule and scan tests price in us-east-1
// of which no public recorded record was found (gp3 storage, IOPS and
// throughput, public IPv4, NAT gateways, DynamoDB), written by hand in the
// Price List's shape with AWS's public prices as of its price_date; their
// SKUs (CSCP...) are stand-ins. A product with a recorded record is not
// written here (a test holds it).
//
//go:embed getproducts-us-east-1.json
var HandWritten []byte

// Prices are what the records answer in us-east-1 (item -> amount in USD,
// unit), recorded or hand-written (Recorded says which): what a test
// expects, and a price table for tests of the rules.
var Prices = map[cloudscope.PriceItem][2]string{
	cloudscope.PriceVolumeStorage("gp2"): {"0.10", "GB-Mo"},
	cloudscope.PriceVolumeStorage("gp3"): {"0.08", "GB-Mo"},
	cloudscope.PriceGP3IOPS:              {"0.005", "IOPS-Mo"},
	cloudscope.PriceGP3Throughput:        {"0.04", "MiBps-Mo"}, // published as 40.96 per GiBps-mo
	cloudscope.PriceSnapshotStandard:     {"0.05", "GB-Mo"},
	cloudscope.PricePublicIPv4:           {"0.005", "Hrs"},
	cloudscope.PricePublicIPv4InUse:      {"0.005", "Hrs"},
	cloudscope.PriceNATGateway:           {"0.045", "Hrs"},
	cloudscope.PriceALB:                  {"0.0225", "Hrs"},
	cloudscope.PriceNLB:                  {"0.0225", "Hrs"},
	cloudscope.PriceCLB:                  {"0.025", "Hrs"},
	cloudscope.PriceDynamoRCU:            {"0.00013", "ReadCapacityUnit-Hrs"},
	cloudscope.PriceDynamoWCU:            {"0.00065", "WriteCapacityUnit-Hrs"},
	cloudscope.PriceDynamoReadRU:         {"0.000000125", "ReadRequestUnits"},
	cloudscope.PriceDynamoWriteRU:        {"0.000000625", "WriteRequestUnits"},
}

// Recorded are the items of Prices answered from recorded records in
// us-east-1, with the recorded record's SKU.
var Recorded = map[cloudscope.PriceItem]string{
	cloudscope.PriceVolumeStorage("gp2"): "HY3BZPP2B6K8MSJF",
	cloudscope.PriceSnapshotStandard:     "7U7TWP44UP36AT3R",
	cloudscope.PriceALB:                  "37CUWUT8GSNQEPUV",
	cloudscope.PriceNLB:                  "YKBGGP5EBGDU9T5W",
	cloudscope.PriceCLB:                  "6XT9C7FFNQ3T39YK",
}

// PageSize is how many products one answer holds: small, so that paging is exercised.
const PageSize = 2

type fixture struct {
	Products []json.RawMessage `json:"products"`
}

type doc struct {
	ServiceCode string `json:"serviceCode"`
	Product     struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
	} `json:"product"`
}

// Products are the records Handler answers from: the recorded ones, then
// the hand-written ones.
func Products() []json.RawMessage {
	var f fixture
	if err := json.Unmarshal(HandWritten, &f); err != nil {
		panic(fmt.Sprintf("pricelist fixture: %v", err))
	}
	var out []json.RawMessage
	for _, r := range pricestandin.Records() {
		out = append(out, r.Record)
	}
	return append(out, f.Products...)
}

// Handler answers GetProducts from Products; any other call fails.
func Handler() awsstub.Handler {
	products := Products()
	return func(_ context.Context, c awsstub.Call) (any, error) {
		in, ok := c.Input.(*pricing.GetProductsInput)
		if !ok {
			return nil, awsstub.APIError("UnsupportedOperation", "the price list stub answers GetProducts only, not "+c.Operation)
		}
		var found []string
		for _, raw := range products {
			var d doc
			if err := json.Unmarshal(raw, &d); err != nil {
				return nil, err
			}
			if d.ServiceCode == aws.ToString(in.ServiceCode) && matches(d, in.Filters) {
				found = append(found, string(raw))
			}
		}
		start := 0
		if in.NextToken != nil {
			n, err := strconv.Atoi(*in.NextToken)
			if err != nil || n < 0 || n > len(found) {
				return nil, awsstub.APIError("InvalidNextTokenException", "bad token")
			}
			start = n
		}
		end := min(start+PageSize, len(found))
		out := &pricing.GetProductsOutput{PriceList: found[start:end], FormatVersion: aws.String("aws_v1")}
		if end < len(found) {
			out.NextToken = aws.String(strconv.Itoa(end))
		}
		return out, nil
	}
}

func matches(d doc, filters []types.Filter) bool {
	for _, f := range filters {
		field, want := aws.ToString(f.Field), aws.ToString(f.Value)
		got := d.Product.Attributes[field]
		if field == "productFamily" {
			got = d.Product.ProductFamily
		}
		if f.Type != types.FilterTypeTermMatch || got != want {
			return false
		}
	}
	return true
}
