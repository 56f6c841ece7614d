// Package pricelist answers the Price List Query API's GetProducts in
// tests and benchmarks (the emulator has none): recorded products, in the
// Price List's own JSON format, filtered as the API filters them and paged.
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
	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

// USEast1 is the fixture: the products the rule and scan tests price in
// us-east-1, with AWS's public prices as of its price_date. Its records
// are written by hand (no recorded record of most of these products was
// found in public material): the pricing package's tests, the stand-in of
// the demo and the moto scan test use the recorded records of
// shared/pricestandin instead.
//
//go:embed getproducts-us-east-1.json
var USEast1 []byte

// Prices are the fixture's prices written by hand (item -> amount in USD,
// unit), the public us-east-1 prices as of 2026-11-01: what a test expects
// the fixture to answer, and a price table for tests of the rules.
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

// Handler answers GetProducts from the fixture; any other call fails.
func Handler() awsstub.Handler {
	var f fixture
	if err := json.Unmarshal(USEast1, &f); err != nil {
		panic(fmt.Sprintf("pricelist fixture: %v", err))
	}
	return func(_ context.Context, c awsstub.Call) (any, error) {
		in, ok := c.Input.(*pricing.GetProductsInput)
		if !ok {
			return nil, awsstub.APIError("UnsupportedOperation", "the price list stub answers GetProducts only, not "+c.Operation)
		}
		var found []string
		for _, raw := range f.Products {
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
