// Package prices builds the Price List client that the savings and the
// anomalies' explanations read, and the price cache that keeps its answers
// and the instance type catalogues a week. It links the Price List and
// DynamoDB.
package prices

import (
	"net/url"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/dynamodbclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/pricingclient"
	"github.com/cloudscope/cloudscope/shared/dynamostore"
	"github.com/cloudscope/cloudscope/shared/loopback"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/pricing"
	"github.com/cloudscope/cloudscope/shared/services/stores"
)

// PriceList is the Price List client for the savings of waste findings,
// caching each answer for a week in the table when one is configured and
// otherwise in process memory. It asks the Price List Query API, or the
// endpoint AWS_ENDPOINT_URL_PRICING names: a stand-in on loopback
// (shared/pricestandin) serves recorded list prices, and every price says
// so. With conf.PricesOff (CLOUDSCOPE_PRICE_LIST=off) it asks nothing and
// says so: the one way to turn prices off, whatever endpoint the other
// services use.
func PriceList(conf appconfig.Config, clients *awsconf.Clients) *pricing.Client {
	cache := Cache(conf, clients)
	if conf.PricesOff {
		return pricing.New(nil, cache)
	}
	c := pricing.New(pricingclient.Global(clients), cache)
	named := awsconf.PricingEndpoint()
	if u, err := url.Parse(named); err == nil && named != "" && loopback.Host(u.Hostname()) {
		c.WithLabel(pricestandin.Label + " (a Price List stand-in at " + named + ")")
	}
	return c
}

// Cache keeps Price List answers and instance type catalogues for a
// week: in the table when one is configured, otherwise in process memory.
func Cache(conf appconfig.Config, clients *awsconf.Clients) pricing.PriceCache {
	if conf.Table != "" {
		return dynamostore.NewPriceCache(dynamodbclient.Home(clients), conf.Table, nil).For(stores.Identity(conf, clients))
	}
	return memstore.NewPriceCache(nil)
}
