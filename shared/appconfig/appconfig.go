// Package appconfig reads cloudscope's settings from the environment, once at
// start, and validates them so that a bad value stops a cold start with a
// clear message instead of failing requests later. It also says what a
// deployed Lambda function's manifest is (Manifest): its routes, the
// settings it reads and which it requires, its grants and its size; each
// manifest is declared beside its function's builder, and
// shared/services/deployed lists them. The function refuses to start
// without a required setting, and the CDK stack builds each function, its
// routes and its role from the manifest and sets exactly the settings it
// reads. It imports no capability: a function links only what its builder
// uses.
package appconfig

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/accounts/accountset"
	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// Config is every setting the functions and the local server read.
type Config struct {
	LogLevel  slog.Level
	Discovery resourcequery.Options
	Metrics   metricquery.Options
	Costs     costquery.Options
	// Table is the DynamoDB table for shared state (the cost cache, the
	// snapshots, scan status). Deployed functions require it; only the
	// local CLI may run without one, in memory, by a person's choice.
	Table string
	// Retention is how long snapshots are kept (through the table's TTL).
	Retention time.Duration
	// TopicARN is the SNS topic for new findings; empty means none.
	TopicARN   string
	Thresholds bottleneck.Thresholds
	// State is where the local CLI (serve, scan) keeps snapshots and the
	// cost cache: a file path, "memory", or "" for the default file.
	State string
	// LiveReuse is how long a live read (GET /resources?source=live) serves
	// identical requests.
	LiveReuse time.Duration
	// RegionsAtOnce is how many regions' metrics a scan reads at once; 0:
	// the scan's default.
	RegionsAtOnce int
	// PricesOff asks no Price List for the savings and the anomalies'
	// explanations: every saving says no price was consulted (for an
	// emulator with no Price List and no stand-in named).
	PricesOff bool
	// ChatTopicARN is the SNS topic for chat channels (Amazon Q Developer
	// in chat applications); empty means none.
	ChatTopicARN string
	// DashboardURL is the dashboard's address that notifications link to;
	// empty means no links.
	DashboardURL string
	// Accounts are the accounts a scan reads (self, org, org:OUs, ids);
	// MemberRole the role assumed in each member; ShardConcurrency the
	// shards the local worker pool runs at once (0: the engine's default).
	Accounts         accountset.Setting
	MemberRole       string
	ShardConcurrency int
	// PlanBucket is where a scan's plan is written (the plan function).
	PlanBucket string
	// StateMachine is the scan's state machine, which POST /scans starts
	// (deployed; required by the bottlenecks function).
	StateMachine string
	// ShardFunction is the shard function, which the bottlenecks
	// function's live view invokes once per shard.
	ShardFunction string
	// Anomaly are the floors a spend anomaly must pass.
	Anomaly anomaly.Floors
}

// The environment variables read, with their meaning.
const (
	EnvLogLevel    = "CLOUDSCOPE_LOG_LEVEL"      // debug, info (default), warn, error; in Lambda, the function's logging configuration rules
	EnvConcurrency = "CLOUDSCOPE_CONCURRENCY"    // AWS calls in flight at once during discovery, 1..256 (default 64)
	EnvPercentiles = "CLOUDSCOPE_PERCENTILES"    // "off" leaves percentile statistics (p99) out of metrics
	EnvTable       = "CLOUDSCOPE_TABLE"          // DynamoDB table name; required by the functions that keep state, see Manifests
	EnvCostTTL     = "CLOUDSCOPE_COST_TTL"       // how long a Cost Explorer answer is reused, 1m..48h (default 6h)
	EnvRetention   = "CLOUDSCOPE_RETENTION_DAYS" // days snapshots are kept, 1..3650 (default 90)
	EnvTopic       = "CLOUDSCOPE_TOPIC_ARN"      // SNS topic for new findings; required by the digest and finalize functions
	EnvThresholds  = "CLOUDSCOPE_THRESHOLDS"     // a JSON document over the default thresholds
	EnvState       = "CLOUDSCOPE_STATE"          // the local CLI's state: a file path, or "memory" (default: a file under the user's state directory)
	EnvLiveReuse   = "CLOUDSCOPE_LIVE_REUSE"     // how long a live read serves identical requests, 1s..10m (default 60s)
	// EnvRegionsAtOnce is how many regions' metrics a scan reads at once,
	// 1..32 (default scan.RegionsAtOnce, what AWS serves); 1 reads them in
	// turn, for an emulator that computes one call at a time (the demo and
	// the tests against moto set it).
	EnvRegionsAtOnce = "CLOUDSCOPE_REGIONS_AT_ONCE"
	// EnvPriceList is "off" to ask no Price List (default "on": the Price
	// List Query API, or the endpoint AWS_ENDPOINT_URL_PRICING names, such
	// as the demo's stand-in). The tests against moto without a stand-in
	// set it off; nothing else turns prices off.
	EnvPriceList = "CLOUDSCOPE_PRICE_LIST"
)

// The organization settings, each optional.
const (
	EnvAccounts         = "CLOUDSCOPE_ACCOUNTS"          // self (default), org, org:<ou-id>,..., or 12-digit account ids separated by commas
	EnvMemberRole       = "CLOUDSCOPE_MEMBER_ROLE"       // the role a scan assumes in each member account (default cloudscope-reader)
	EnvShardConcurrency = "CLOUDSCOPE_SHARD_CONCURRENCY" // shards the local worker pool runs at once, 1..256 (default 8)
	EnvRegions          = "CLOUDSCOPE_REGIONS"           // the regions a scan reads of each account, comma-separated (default: every enabled region)
	EnvSkipRegions      = "CLOUDSCOPE_SKIP_REGIONS"      // regions a scan never reads (those an SCP denies), comma-separated
)

// The notification settings, each optional.
const (
	EnvChatTopic    = "CLOUDSCOPE_CHAT_TOPIC_ARN" // the chat channels' topic
	EnvDashboardURL = "CLOUDSCOPE_DASHBOARD_URL"  // http(s) address notifications link to
)

// Function is what one deployed Lambda function reads from its environment.
// Required settings have no safe default: without one the function would
// quietly run on a fallback (snapshots in process memory, vanishing with the
// instance; a billed Cost Explorer request per cold start; scans that never
// start; findings never sent), so it refuses to start instead (Require).
// Optional settings have defaults.
type Function struct {
	Required []string
	Optional []string
}

// Reads is every setting the function reads: Required, then Optional.
func (f Function) Reads() []string { return append(append([]string{}, f.Required...), f.Optional...) }

// what says what a required setting is, for the message that it is missing.
var what = map[string]string{
	EnvTable:         "the DynamoDB table for snapshots, the stored inventory, scan status and the cost cache",
	EnvTopic:         "the SNS topic for new findings",
	EnvPlanBucket:    "the S3 bucket where the plan is written for the state machine's map to read",
	EnvStateMachine:  "the scan's state machine, which POST /scans starts",
	EnvShardFunction: "the shard function, which the live view (GET /bottlenecks?source=live) has run each region",
}

// Require checks that getenv sets every setting function m requires; the
// error names the first one missing, what it is, and who sets it.
func Require(m Manifest, getenv func(string) string) error {
	for _, k := range m.Required {
		if strings.TrimSpace(getenv(k)) == "" {
			return fmt.Errorf("%s is not set: the %s function needs %s and does not start without it (the CDK stack sets it)", k, m.Name, what[k])
		}
	}
	return nil
}

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
	// The clients read the wire settings themselves (awsconf.NewClients):
	// a value they do not know stops the start here.
	if _, err := awsconf.WireFrom(getenv); err != nil {
		return c, err
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvPriceList))); v {
	case "", "on":
	case "off":
		c.PricesOff = true
	default:
		return c, fmt.Errorf("%s=%q: want on or off", EnvPriceList, v)
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
	c.State = strings.TrimSpace(getenv(EnvState))
	c.LiveReuse = time.Minute
	if v := strings.TrimSpace(getenv(EnvLiveReuse)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return c, fmt.Errorf("%s=%q: want a duration from 1s to 10m, such as 60s", EnvLiveReuse, v)
		}
		c.LiveReuse = d
	}
	if v := strings.TrimSpace(getenv(EnvRegionsAtOnce)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 32 {
			return c, fmt.Errorf("%s=%q: want a whole number from 1 to 32", EnvRegionsAtOnce, v)
		}
		c.RegionsAtOnce = n
	}
	th, err := bottleneck.ParseThresholds(getenv(EnvThresholds))
	if err != nil {
		return c, fmt.Errorf("%s: %w", EnvThresholds, err)
	}
	c.Thresholds = th
	if err := organization(&c, getenv); err != nil {
		return c, err
	}
	if err := stateMachine(&c, getenv); err != nil {
		return c, err
	}
	if err := anomalyFloors(&c, getenv); err != nil {
		return c, err
	}
	return c, notifications(&c, getenv)
}

// organization reads which accounts a scan reads, the member role, and the
// local pool's bound.
func organization(c *Config, getenv func(string) string) error {
	set, err := accountset.Parse(getenv(EnvAccounts))
	if err != nil {
		return fmt.Errorf("%s=%q: %w", EnvAccounts, strings.TrimSpace(getenv(EnvAccounts)), err)
	}
	c.Accounts = set
	c.MemberRole = accountset.DefaultRole
	if v := strings.TrimSpace(getenv(EnvMemberRole)); v != "" {
		if err := accountset.CheckRole(v); err != nil {
			return fmt.Errorf("%s=%q: want an IAM role name (1 to 64 letters, digits and +=,.@_-)", EnvMemberRole, v)
		}
		c.MemberRole = v
	}
	if v := strings.TrimSpace(getenv(EnvShardConcurrency)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("%s=%q: want a whole number from 1 to 256", EnvShardConcurrency, v)
		}
		c.ShardConcurrency = n
	}
	f, err := resourcequery.ParseRegionFilter(getenv(EnvRegions), getenv(EnvSkipRegions))
	if err != nil {
		return fmt.Errorf("%s, %s: %w", EnvRegions, EnvSkipRegions, err)
	}
	c.Discovery.Regions = f
	return nil
}

// notifications reads the chat topic and the dashboard's address.
func notifications(c *Config, getenv func(string) string) error {
	c.ChatTopicARN = strings.TrimSpace(getenv(EnvChatTopic))
	if c.ChatTopicARN != "" && !strings.HasPrefix(c.ChatTopicARN, "arn:") {
		return fmt.Errorf("%s=%q: want a topic ARN", EnvChatTopic, c.ChatTopicARN)
	}
	c.DashboardURL = strings.TrimSpace(getenv(EnvDashboardURL))
	if v := c.DashboardURL; v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s=%q: want an http(s) address, such as https://d111111abcdef8.cloudfront.net/", EnvDashboardURL, v)
		}
	}
	return nil
}
