package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/services/deployed"
)

// Settings are what a deployment may change, read from CDK context
// (`cdk deploy -c cloudscope:schedule='cron(0 5 * * ? *)'`) with defaults.
type Settings struct {
	// Schedule is the EventBridge expression of the daily scan.
	Schedule string
	// RetentionDays keeps snapshots this long (the table's TTL).
	RetentionDays int
	// LogRetentionDays keeps function and access logs this long.
	LogRetentionDays int
	// AlertEmail, when set, subscribes an address to the findings topic.
	AlertEmail string
	// Thresholds is a JSON document over the default rule thresholds.
	Thresholds string
	// AssetDir holds <function>/bootstrap for each function (make build's output).
	AssetDir string
	// Dashboard deploys the web page: an S3 bucket behind CloudFront, a
	// Cognito user pool with its hosted UI, and a second HTTP API with the
	// same routes that takes the pool's tokens (served under /api).
	Dashboard bool
	// DashboardDir holds the page (make web's output, with vendor/chart.umd.js).
	DashboardDir string
	// AuthDomainPrefix names the hosted UI: https://<prefix>.auth.<region>.amazoncognito.com.
	// Empty means cloudscope-<account id>.
	AuthDomainPrefix string
	// ReserveConcurrency reserves each function's concurrency (31 in all);
	// an account whose quota is too small for that sets it false.
	ReserveConcurrency bool
	// ChatTopic adds a second topic for chat channels (Amazon Q Developer
	// in chat applications): one short custom notification per scan.
	ChatTopic bool
	// DigestSchedule is the EventBridge expression of the weekly digest;
	// "off" sends none.
	DigestSchedule string
	// Organization is the scan of many accounts (see organization.go).
	Organization OrganizationSettings
}

// DefaultDigestSchedule sends the weekly digest on Mondays at 08:00 UTC;
// DigestOff turns it off.
const (
	DefaultDigestSchedule = "cron(0 8 ? * MON *)"
	DigestOff             = "off"
)

// Functions are the Lambda functions' names, one per folder of functions/,
// in the manifests' order: every deployment has them all.
var Functions = functionNames(func(appconfig.Manifest) bool { return true })

// ScanStates are the functions the scan's state machine invokes.
var ScanStates = []string{"plan", "shard", "finalize"}

func functionNames(keep func(appconfig.Manifest) bool) []string {
	var out []string
	for _, m := range deployed.Manifests {
		if keep(m) {
			out = append(out, m.Name)
		}
	}
	return out
}

// Deployed are the manifests of the functions this deployment builds:
// every one (the scan's states too, for one account).
func (s Settings) Deployed() []appconfig.Manifest {
	return deployed.Manifests
}

// SettingsFrom reads the settings from the app's context and validates them.
func SettingsFrom(app awscdk.App) (Settings, error) {
	// Context values may be strings, numbers or booleans (cdk.json, -c).
	get := func(key, def string) string {
		if v := app.Node().TryGetContext(jsii.String("cloudscope:" + key)); v != nil && fmt.Sprint(v) != "" {
			return fmt.Sprint(v)
		}
		return def
	}
	s := Settings{
		Schedule:           get("schedule", "cron(0 6 * * ? *)"),
		AlertEmail:         get("alertEmail", ""),
		Thresholds:         get("thresholds", ""),
		AssetDir:           get("assetDir", os.Getenv("CLOUDSCOPE_ASSET_DIR")),
		DashboardDir:       get("dashboardDir", os.Getenv("CLOUDSCOPE_DASHBOARD_DIR")),
		AuthDomainPrefix:   get("authDomainPrefix", ""),
		ReserveConcurrency: get("reserveConcurrency", "true") == "true",
		DigestSchedule:     get("digestSchedule", DefaultDigestSchedule),
	}
	if s.AssetDir == "" {
		s.AssetDir = "build"
	}
	if s.DashboardDir == "" {
		s.DashboardDir = filepath.Join("shared", "dashboard", "assets")
	}
	if get("jwt", "") != "" {
		return s, fmt.Errorf("cloudscope:jwt is gone: the JWT API now comes with the dashboard (cloudscope:dashboard, on by default)")
	}
	var err error
	if s.Dashboard, err = strconv.ParseBool(get("dashboard", "true")); err != nil {
		return s, fmt.Errorf("cloudscope:dashboard must be true or false")
	}
	if s.ChatTopic, err = strconv.ParseBool(get("chatTopic", "false")); err != nil {
		return s, fmt.Errorf("cloudscope:chatTopic must be true or false")
	}
	if s.RetentionDays, err = strconv.Atoi(get("retentionDays", "90")); err != nil || s.RetentionDays < 1 || s.RetentionDays > 3650 {
		return s, fmt.Errorf("cloudscope:retentionDays must be a whole number of days from 1 to 3650")
	}
	if s.LogRetentionDays, err = strconv.Atoi(get("logRetentionDays", "30")); err != nil {
		return s, fmt.Errorf("cloudscope:logRetentionDays must be a whole number of days")
	}
	if s.Organization, err = organizationSettingsFrom(get); err != nil {
		return s, err
	}
	return s, s.Validate()
}

// Validate checks the settings before anything is built.
func (s Settings) Validate() error {
	if !strings.HasPrefix(s.Schedule, "cron(") && !strings.HasPrefix(s.Schedule, "rate(") {
		return fmt.Errorf("cloudscope:schedule %q is not an EventBridge cron() or rate() expression", s.Schedule)
	}
	if d := s.DigestSchedule; d != DigestOff && !strings.HasPrefix(d, "cron(") && !strings.HasPrefix(d, "rate(") {
		return fmt.Errorf("cloudscope:digestSchedule %q is not an EventBridge cron() or rate() expression, or off", d)
	}
	if _, err := bottleneck.ParseThresholds(s.Thresholds); err != nil {
		return fmt.Errorf("cloudscope:thresholds: %w", err)
	}
	if _, ok := logRetention[s.LogRetentionDays]; !ok {
		return fmt.Errorf("cloudscope:logRetentionDays %d is not one of 1, 7, 14, 30, 90, 180, 365", s.LogRetentionDays)
	}
	if s.AlertEmail != "" && !strings.Contains(s.AlertEmail, "@") {
		return fmt.Errorf("cloudscope:alertEmail %q is not an e-mail address", s.AlertEmail)
	}
	if err := s.Organization.Validate(); err != nil {
		return err
	}
	for _, m := range s.Deployed() {
		if _, err := os.Stat(filepath.Join(s.AssetDir, m.Name, "bootstrap")); err != nil {
			return fmt.Errorf("%s/%s/bootstrap is missing: run make build first", s.AssetDir, m.Name)
		}
	}
	if !s.Dashboard {
		return nil
	}
	if s.AuthDomainPrefix != "" {
		if err := validDomainPrefix(s.AuthDomainPrefix); err != nil {
			return fmt.Errorf("cloudscope:authDomainPrefix %q: %w", s.AuthDomainPrefix, err)
		}
	}
	for _, f := range []string{"index.html", filepath.Join("vendor", "chart.umd.js")} {
		if _, err := os.Stat(filepath.Join(s.DashboardDir, f)); err != nil {
			return fmt.Errorf("%s is missing: run make web first (or set cloudscope:dashboard=false)", filepath.Join(s.DashboardDir, f))
		}
	}
	return nil
}

// domainPrefix is what Cognito accepts as a domain prefix: lowercase letters,
// digits and inner hyphens, at most 63 characters (CreateUserPoolDomain).
var domainPrefix = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// validDomainPrefix says why Cognito would refuse a domain prefix; it also
// refuses the reserved words aws, amazon and cognito anywhere in it.
func validDomainPrefix(p string) error {
	if !domainPrefix.MatchString(p) {
		return fmt.Errorf("a prefix is 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen")
	}
	for _, w := range []string{"aws", "amazon", "cognito"} {
		if strings.Contains(p, w) {
			return fmt.Errorf("a prefix may not contain %q", w)
		}
	}
	return nil
}
