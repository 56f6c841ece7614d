package cloudscope

import (
	"math/big"
)

// PriceItem names one unit price that a saving needs: a product of the AWS
// Price List, asked for in a region. The pricing package knows how to find
// each in the Price List; the rules only name them.
type PriceItem string

// The unit prices the waste rules use.
const (
	PriceGP3IOPS          PriceItem = "ebs.gp3.iops"           // per IOPS-month above gp3's 3,000
	PriceGP3Throughput    PriceItem = "ebs.gp3.throughput"     // per MiB/s-month above gp3's 125 (published per GiBps-mo: / 1024)
	PriceSnapshotStandard PriceItem = "ebs.snapshot.standard"  // per GB-month
	PriceSnapshotArchive  PriceItem = "ebs.snapshot.archive"   // per GB-month
	PricePublicIPv4       PriceItem = "vpc.public_ipv4"        // per hour, idle address
	PricePublicIPv4InUse  PriceItem = "vpc.public_ipv4.in_use" // per hour, an address in use (NAT gateway, load balancer, instance)
	PriceNATGateway       PriceItem = "vpc.nat_gateway"        // per hour
	PriceALB              PriceItem = "elb.application"        // per hour
	PriceNLB              PriceItem = "elb.network"            // per hour
	PriceCLB              PriceItem = "elb.classic"            // per hour
	PriceDynamoRCU        PriceItem = "dynamodb.rcu"           // per provisioned RCU-hour
	PriceDynamoWCU        PriceItem = "dynamodb.wcu"           // per provisioned WCU-hour
	PriceDynamoReadRU     PriceItem = "dynamodb.read_request"  // per on-demand read request unit
	PriceDynamoWriteRU    PriceItem = "dynamodb.write_request" // per on-demand write request unit
	// The Standard-IA table class's (storage cheaper, throughput dearer).
	PriceDynamoIARCU     PriceItem = "dynamodb.ia.rcu"           // per provisioned RCU-hour
	PriceDynamoIAWCU     PriceItem = "dynamodb.ia.wcu"           // per provisioned WCU-hour
	PriceDynamoIAReadRU  PriceItem = "dynamodb.ia.read_request"  // per on-demand read request unit
	PriceDynamoIAWriteRU PriceItem = "dynamodb.ia.write_request" // per on-demand write request unit
)

// PriceVolumeStorage is the per GB-month storage price of an EBS volume type
// (gp2, gp3, io1, io2, st1, sc1, standard).
func PriceVolumeStorage(volumeType string) PriceItem {
	return PriceItem("ebs.storage." + volumeType)
}

// UnitPrice is one price per unit, with its currency, where it comes from
// and since when; or (Unavailable) why there is none.
type UnitPrice struct {
	Amount   Amount `json:"amount"`
	Unit     string `json:"unit"`     // the Price List's unit: "GB-Mo", "Hrs", "ReadRequestUnits"
	Currency string `json:"currency"` // "USD"
	// Source names the Price List product and term ("AWS Price List AmazonEC2
	// SKU X, OnDemand term X.Y"); Date is the term's effective date.
	Source      string `json:"source"`
	Date        string `json:"date"`
	Unavailable string `json:"unavailable,omitempty"`
}

// HoursPerMonth is the month AWS prices by: 730 hours.
const HoursPerMonth = 730

// AmountFromFloat is v, a measured quantity (not money), as an exact Amount
// rounded to six places.
func AmountFromFloat(v float64) Amount {
	r, _ := new(big.Rat).SetString(new(big.Float).SetFloat64(v).Text('f', 6))
	if r == nil {
		return Amount{}
	}
	return Amount{r}
}

// SavingsSummary is the potential savings a month of a set of findings:
// the total and its split by account, region, resource type and rule.
// Priced counts the findings whose figure is counted; Covered those with a
// figure covered by another finding's saving on the same resource
// (Savings.CoveredBy), which the totals leave out so that each resource
// counts once; Unpriced the waste findings without a figure (no price, or
// another currency than Currency), which the totals leave out too.
type SavingsSummary struct {
	Currency  string                  `json:"currency"`
	Monthly   Amount                  `json:"monthly"`
	Priced    int                     `json:"priced"`
	Covered   int                     `json:"covered"`
	Unpriced  int                     `json:"unpriced"`
	ByAccount map[string]Amount       `json:"by_account"`
	ByRegion  map[string]Amount       `json:"by_region"`
	ByType    map[ResourceType]Amount `json:"by_type"`
	ByRule    map[string]Amount       `json:"by_rule"`
}

// SavingsCurrency is the currency savings are totalled in: the Price
// List's.
const SavingsCurrency = "USD"

// SumSavings totals the findings' savings, each resource once: a saving
// covered by another (marked by CoverSavings) is left out, whether or not
// the finding that covers it is among fs, so that the total of a part of
// a scan's findings (a filter, the new ones) is that part's share of the
// scan's total. A finding of a one-account scan (no account id) counts
// under "".
func SumSavings(fs []Finding) SavingsSummary {
	s := SavingsSummary{Currency: SavingsCurrency, ByAccount: map[string]Amount{}, ByRegion: map[string]Amount{},
		ByType: map[ResourceType]Amount{}, ByRule: map[string]Amount{}}
	for _, f := range fs {
		switch {
		case f.Savings == nil:
			continue
		case f.Savings.Monthly == nil || f.Savings.Currency != SavingsCurrency:
			s.Unpriced++
			continue
		case f.Savings.CoveredBy != "":
			s.Covered++
			continue
		}
		m := *f.Savings.Monthly
		s.Priced++
		s.Monthly = s.Monthly.Add(m)
		s.ByAccount[f.AccountID] = s.ByAccount[f.AccountID].Add(m)
		s.ByRegion[f.Region] = s.ByRegion[f.Region].Add(m)
		s.ByType[f.ResourceType] = s.ByType[f.ResourceType].Add(m)
		s.ByRule[f.Rule] = s.ByRule[f.Rule].Add(m)
	}
	return s
}

// SavingsOf is the total monthly saving of findings, in SavingsCurrency.
func SavingsOf(fs []Finding) Amount { return SumSavings(fs).Monthly }
