// Package appconfig reads cloudscope's settings from the environment, once at
// start, and validates them so that a bad value stops a cold start with a
// clear message instead of failing requests later.
package appconfig

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/costs"
	"github.com/cloudscope/cloudscope/shared/discovery"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// Config is every setting the functions and the local server read.
type Config struct {
	LogLevel  slog.Level
	Discovery discovery.Options
	Metrics   metrics.Options
	Costs     costs.Options
	// Table is the DynamoDB table for shared state (the cost cache, the
	// snapshots); empty means in memory.
	Table string
	// Retention is how long snapshots are kept (through the table's TTL).
	Retention time.Duration
	// TopicARN is the SNS topic for new findings; empty means none.
	TopicARN string
	// ScanFunction is the scan function POST /scans invokes, when deployed.
	ScanFunction string
	Thresholds   bottleneck.Thresholds
	// LiveReuse is how long a live read (GET /resources?source=live) serves
	// identical requests.
	LiveReuse time.Duration
}

// The environment variables read, with their meaning.
const (
	EnvLogLevel    = "CLOUDSCOPE_LOG_LEVEL"   // debug, info (default), warn, error; in Lambda, the function's logging configuration rules
	EnvConcurrency = "CLOUDSCOPE_CONCURRENCY" // AWS calls in flight at once during discovery, 1..256 (default 64)
	EnvPercentiles = "CLOUDSCOPE_PERCENTILES" // "off" leaves percentile statistics (p99) out of metrics
	EnvTable       = "CLOUDSCOPE_TABLE"       // DynamoDB table name; unset: the cost cache lives in memory
	EnvCostTTL     = "CLOUDSCOPE_COST_TTL"    // how long a Cost Explorer answer is reused, 1m..48h (default 6h)
	EnvRetention   = "CLOUDSCOPE_RETENTION_DAYS"
	EnvTopic       = "CLOUDSCOPE_TOPIC_ARN"
	EnvScanFunc    = "CLOUDSCOPE_SCAN_FUNCTION"
	EnvThresholds  = "CLOUDSCOPE_THRESHOLDS" // a JSON document over the default thresholds
	EnvLiveReuse   = "CLOUDSCOPE_LIVE_REUSE" // how long a live read serves identical requests, 1s..10m (default 60s)
)

// FromEnv reads the configuration from the process environment.
func FromEnv() (Config, error) { return From(os.Getenv) }

// From reads the configuration through getenv.
func From(getenv func(string) string) (Config, error) {
	var c Config
	if v := strings.TrimSpace(getenv(EnvLogLevel)); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v)
		}
	}
	if v := strings.TrimSpace(getenv(EnvConcurrency)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("%s=%q: want a whole number from 1 to 256", EnvConcurrency, v)
		}
		c.Discovery.Concurrency = n
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvPercentiles))); v {
	case "", "on":
	case "off":
		c.Metrics.NoPercentiles = true
	default:
		return c, fmt.Errorf("%s=%q: want on or off", EnvPercentiles, v)
	}
	if v := strings.TrimSpace(getenv(EnvCostTTL)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 48*time.Hour {
			return c, fmt.Errorf("%s=%q: want a duration from 1m to 48h, such as 6h", EnvCostTTL, v)
		}
		c.Costs.TTL = d
	}
	c.Table = strings.TrimSpace(getenv(EnvTable))
	c.Retention = 90 * 24 * time.Hour
	if v := strings.TrimSpace(getenv(EnvRetention)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return c, fmt.Errorf("%s=%q: want a whole number of days from 1 to 3650", EnvRetention, v)
		}
		c.Retention = time.Duration(n) * 24 * time.Hour
	}
	c.TopicARN = strings.TrimSpace(getenv(EnvTopic))
	if c.TopicARN != "" && !strings.HasPrefix(c.TopicARN, "arn:") {
		return c, fmt.Errorf("%s=%q: want a topic ARN", EnvTopic, c.TopicARN)
	}
	c.ScanFunction = strings.TrimSpace(getenv(EnvScanFunc))
	c.LiveReuse = time.Minute
	if v := strings.TrimSpace(getenv(EnvLiveReuse)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return c, fmt.Errorf("%s=%q: want a duration from 1s to 10m, such as 60s", EnvLiveReuse, v)
		}
		c.LiveReuse = d
	}
	th, err := bottleneck.ParseThresholds(getenv(EnvThresholds))
	if err != nil {
		return c, fmt.Errorf("%s: %w", EnvThresholds, err)
	}
	c.Thresholds = th
	return c, nil
}
