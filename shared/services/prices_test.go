package services_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/services"
)

// Prices are off only when the setting says so, whatever endpoint the other
// services use; beside an emulator, AWS_ENDPOINT_URL_PRICING names a Price
// List, and a stand-in on loopback gives recorded list prices, said so.
func TestPricesBesideAnEmulator(t *testing.T) {
	emulated := func() *awsconf.Clients {
		cfg, err := sdkconfig.Load(context.Background(), awsconf.Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:9",
			Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		return awsconf.NewClients(cfg)
	}
	ctx := context.Background()
	gp2 := cloudscope.PriceVolumeStorage("gp2")
	t.Setenv(awsconf.EnvPricingEndpoint, "")
	if p := services.Prices(appconfig.Config{PricesOff: true}, emulated()).UnitPrice(ctx, "us-east-1", gp2); !strings.Contains(p.Unavailable, appconfig.EnvPriceList+"=off") {
		t.Errorf("prices off: %+v", p)
	}
	// No hidden emulator mode: the setting on, the Price List is asked at
	// the endpoint every service goes to (here a closed port: no price).
	if p := services.Prices(appconfig.Config{}, emulated()).UnitPrice(ctx, "us-east-1", gp2); !strings.Contains(p.Unavailable, "Price List could not be read") {
		t.Errorf("beside an emulator, prices on, nothing named: %+v", p)
	}
	standin, err := pricestandin.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer standin.Close()
	t.Setenv(awsconf.EnvPricingEndpoint, standin.URL)
	p := services.Prices(appconfig.Config{}, emulated()).UnitPrice(ctx, "us-east-1", gp2)
	if p.Amount.String() != "0.10" || !strings.HasPrefix(p.Source, "recorded list prices (a Price List stand-in at "+standin.URL+"): AWS Price List AmazonEC2 SKU HY3BZPP2B6K8MSJF") {
		t.Errorf("beside an emulator, a stand-in named: %+v", p)
	}
}
