package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/demo/moto"
	"github.com/cloudscope/cloudscope/shared/memstore"
	"github.com/cloudscope/cloudscope/shared/pricestandin"
	"github.com/cloudscope/cloudscope/shared/services"
)

func seedDemo(ctx context.Context, env *environment, args []string) error {
	if err := parse(env.flags("seed-demo"), args); err != nil {
		return err
	}
	clients, err := demo.Clients(ctx, os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		return err
	}
	return seedAll(ctx, env, clients)
}

// seedAll creates the demo account's resources and their metric history.
func seedAll(ctx context.Context, env *environment, clients *awsconf.Clients) error {
	_, err := demo.SeedAll(ctx, clients, time.Now(), func(f string, a ...any) { env.log.Info(fmt.Sprintf(f, a...)) })
	return err
}

// recordedPrices answers the Price List, which the emulator lacks, from
// recorded list prices (as the demo answers GetCostForecast itself): it
// starts the stand-in and names it with AWS_ENDPOINT_URL_PRICING, unless
// the person named a Price List endpoint of their own. The returned
// function stops it.
func recordedPrices(env *environment) (func(), error) {
	if awsconf.PricingEndpoint() != "" {
		return func() {}, nil
	}
	prices, err := pricestandin.Start(0)
	if err != nil {
		return nil, err
	}
	if err := os.Setenv(awsconf.EnvPricingEndpoint, prices.URL); err != nil {
		prices.Close()
		return nil, err
	}
	env.log.Info("the Price List is answered from "+pricestandin.Label, "endpoint", prices.URL, "records_published", strings.Join(prices.Server.Dates(), ", "))
	return func() {
		prices.Close()
		os.Unsetenv(awsconf.EnvPricingEndpoint)
	}, nil
}

// runDemo starts moto_server on loopback, seeds the demo account into it and
// serves the API against it until interrupted; then it stops the emulator.
func runDemo(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("demo")
	addr := fs.String("addr", defaultAddr, "address to serve the API on")
	port := fs.Int("emulator-port", 4566, "loopback port for moto_server (0: any free port)")
	if err := parse(fs, args); err != nil {
		return err
	}
	env.log.Info("starting the AWS emulator (moto_server)")
	srv, err := moto.Start(*port)
	if err != nil {
		return err
	}
	defer srv.Close()

	stopPrices, err := recordedPrices(env)
	if err != nil {
		return err
	}
	defer stopPrices()
	// The emulator's wire: S3 buckets in the path, CloudWatch in JSON.
	for _, kv := range awsconf.EmulatorWire.Env() {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	clients, err := demo.Clients(ctx, srv.URL)
	if err != nil {
		return err
	}
	if err := seedAll(ctx, env, clients); err != nil {
		return fmt.Errorf("seed the demo account: %w", err)
	}
	// moto answers a percentile statistic with HTTP 500, failing the whole call.
	env.conf.Metrics.NoPercentiles = true
	env.log.Info("percentile statistics (p99) are off: the emulator cannot compute them")
	// moto computes one GetMetricData at a time: regions read together only
	// make each call slower.
	env.conf.RegionsAtOnce = 1
	env.scanAtStart = true
	// The emulated account's history is not the person's: kept in memory.
	env.local = services.Local{Store: memstore.New()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case err := <-srv.Exited():
			env.log.Error("the emulator stopped", "error", err)
			cancel()
		case <-ctx.Done():
		}
	}()
	// The demo's clients carry the emulator's own static credentials: no check.
	return listenAndServe(ctx, env, *addr, clients, nil, func(url string) {
		fmt.Fprintf(env.stdout, `
cloudscope demo is running against an emulated AWS account (%s).

Open the dashboard: %s/

Or ask the API:
  curl -s '%s/regions'
  curl -s '%s/resources?regions=us-east-1,eu-west-1,ap-southeast-2'
  curl -s '%s/resources?types=ec2&regions=eu-west-1'
  curl -s '%s/metrics?resource_type=rds&resource_ids=orders-db,reporting-db,sessions-db&region=us-east-1&hours=24'
  curl -s '%s/costs?days=30&group_by=SERVICE'
  curl -s '%s/bottlenecks?severity=critical,warning'      (after the first scan, about half a minute)
  curl -s -X POST '%s/scans'

The AWS CLI can reach the same account:
  AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws ec2 describe-instances --region us-east-1

Press Ctrl-C to stop the server and the emulator.
`, srv.URL, url, url, url, url, url, url, url, url, srv.URL)
	})
}
