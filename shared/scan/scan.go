// Package scan is the scan engine: it discovers every resource, reads 14
// days of metrics in batches, evaluates the bottleneck rules, summarises
// costs through the cost cache, stores a snapshot, records in the ledger of
// savings what resolved and reopened, and notifies of what is new or worse
// than in the previous snapshot. Every scan, of one account or of many, is
// the Engine: plan (the accounts x their regions), shards (the region
// pipeline, pipeline.go), finalize (the merge of parts, merge.go, and the
// conclusion, conclude.go), on Step Functions or in the local pool. A
// one-account scan is a plan of one account; the live view is that plan
// with its parts kept in memory and nothing stored (oneaccount.go).
package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	discovery "github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/ledger"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// Days is how much metric history a scan reads.
const Days = bottleneck.WindowDays

// LeaseDuration is how long a scan run in this process (Engine.Scan) or
// queued by POST /scans holds the one-scan-at-a-time lease before another
// may take it, unless it renews it (every status write past a fifth of it
// does; a plan on Step Functions takes StateMachineLeaseDuration): a scan
// killed with its process frees the lease soon after.
const LeaseDuration = 20 * time.Minute

// Store keeps snapshots. Save must be atomic and conditional on the id
// being new (or stored only as a failed scan, which a retry may replace).
// A failed snapshot is kept for Get, but never answers Latest, List or Before.
type Store interface {
	Save(ctx context.Context, s *cloudscope.Snapshot) error
	Get(ctx context.Context, id string) (*cloudscope.Snapshot, error) // nil, nil when there is none
	Latest(ctx context.Context) (*cloudscope.Snapshot, error)         // nil, nil when there is none
	// Findings is snapshot id without its resources: its header, findings
	// and undecided rules (Resources nil), read without reading any
	// resource chunk; nil, nil when there is none. LatestFindings is the
	// newest snapshot's. Comparing two scans (the notification, the ledger)
	// and /bottlenecks read these, never every resource.
	Findings(ctx context.Context, id string) (*cloudscope.Snapshot, error)
	LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error)
	List(ctx context.Context, limit int) ([]cloudscope.SnapshotHeader, error) // newest first
	// Before is the header of the snapshot stored just before id, or nil.
	Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error)
	// SetNotification moves snapshot id's notification state from one
	// value to another, or fails with cloudscope.ErrStateChanged when it no
	// longer holds from.
	SetNotification(ctx context.Context, id, from, to string) error
	// SetStatus stores how a scan is going; Status reads it (nil, nil when
	// there is none, or it has expired).
	SetStatus(ctx context.Context, st cloudscope.ScanStatus) error
	Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error)
	// AcquireScanLease makes id the one running scan for ttl (by the store's clock),
	// unless another scan holds an unexpired lease: it returns that scan's
	// id ("" when id now holds it; id itself may renew its own lease).
	AcquireScanLease(ctx context.Context, id string, ttl time.Duration) (holder string, err error)
	// ReleaseScanLease ends id's lease, if id holds it.
	ReleaseScanLease(ctx context.Context, id string) error
}

// Notifier sends one message.
type Notifier interface {
	Publish(ctx context.Context, m cloudscope.Message) error
}

// Deps are what a scan uses. Store and Notifier may be nil: the scan then
// keeps nothing or tells nobody.
type Deps struct {
	// Discovery and Metrics read the account a one-account scan over these
	// capabilities reads (Run, Evaluate: oneAccount).
	Discovery Discoverer
	Metrics   Fetcher
	Costs     interface {
		Report(ctx context.Context, q costquery.Query) (*costquery.Report, error)
	}
	Store      Store
	Notifier   Notifier
	Thresholds bottleneck.Thresholds
	Now        func() time.Time
	// Progress, when set, hears of each step (for `cloudscope scan`).
	Progress func(Progress)
	// RetryPause is the wait before the metrics of regions that failed for
	// a passing reason are read once more (default 2s).
	RetryPause time.Duration
	// DashboardURL is where notifications link to; "" for no links.
	DashboardURL string
	// Account, when set, says which account the scan reads (its
	// credentials', sts:GetCallerIdentity): asked once, and given to every
	// resource, finding and failure. Unset, or failing, leaves them without one.
	Account func(ctx context.Context) (string, error)
	// Prices, when set, prices the waste findings' savings (pricing.Client);
	// without it every saving says no price was consulted.
	Prices Prices
	// Ledger, when set, records the savings realized as findings resolve
	// (ledger.Ledger), in the scanning identity's partition.
	Ledger Ledger
	// InstanceTypes, when set, is the instance type catalogue the
	// rightsize rules compare sizes in (instancetypes.Client); without it
	// they decide nothing.
	InstanceTypes InstanceTypes
	// RegionsAtOnce bounds the regions whose metrics are read at once
	// (default RegionsAtOnce); 1 reads them in turn (an emulator that
	// answers one call at a time gains nothing from more, and each call
	// then only takes longer).
	RegionsAtOnce int
	// Anomalies, when set, finds the spend anomalies of an 8-week cost
	// query once the snapshot is stored, and the notification tells the
	// new confirmed ones.
	Anomalies Anomalies
	// Shards, when set, runs the shards of this scanner's live view
	// (Evaluate) elsewhere: deployed, the bottlenecks function has the
	// shard function run each one, and links no discovery or metrics of
	// its own. Discovery then needs only list the account's regions (the
	// plan), and Account is required (each shard names its account). Such a
	// scanner does not Run: its parts come back without their resources.
	Shards ShardRunner
}

// Ledger is the ledger of savings realized (ledger.Ledger).
type Ledger interface {
	Record(ctx context.Context, account string, r ledger.Round) (*ledger.Change, error)
	Saved(ctx context.Context, account string, from, to time.Time) (*ledger.Saved, error)
}

// Prices answers unit prices and counts the Price List calls it made.
type Prices interface {
	UnitPrice(ctx context.Context, region string, item cloudscope.PriceItem) cloudscope.UnitPrice
	Calls() int
}

// InstanceTypes reads a region's instance type catalogue and counts the
// DescribeInstanceTypes calls it made.
type InstanceTypes interface {
	Types(ctx context.Context, region string) (cloudscope.InstanceCatalogue, error)
	Calls() int
}

// Progress is one step of a scan.
type Progress struct {
	Step        string `json:"step"`
	Detail      string `json:"detail"`
	RegionsDone int    `json:"regions_done"`
	Regions     int    `json:"regions"` // the total, when the step goes region by region
	// Shards says how many of the scan's shards are done, failed and planned.
	Shards *cloudscope.ShardProgress `json:"shards,omitempty"`
}

// Scanner runs scans.
type Scanner struct {
	d   Deps
	who *identity
}

// New returns a Scanner.
func New(d Deps) *Scanner {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Progress == nil {
		d.Progress = func(Progress) {}
	}
	if d.RetryPause <= 0 {
		d.RetryPause = 2 * time.Second
	}
	if d.RegionsAtOnce <= 0 {
		d.RegionsAtOnce = RegionsAtOnce
	}
	s := &Scanner{d: d}
	if d.Account != nil {
		s.who = &identity{lookup: d.Account}
	}
	return s
}

// ruleMetrics are the metrics some rule reads (what the rules declare).
var ruleMetrics = bottleneck.MetricNames()

// Result is a scan's outcome: the snapshot, and whether it was stored now
// or had been stored by an earlier delivery of the same scan.
type Result struct {
	Snapshot  *cloudscope.Snapshot
	Duplicate bool
}

// ErrScanRunning is what Run returns when another scan holds the lease:
// scans never run two at once.
type ErrScanRunning struct{ ID string }

func (e *ErrScanRunning) Error() string {
	return fmt.Sprintf("scan %s is running; one scan runs at a time", e.ID)
}

// Evaluate judges the account now and stores nothing: the live view of
// GET /bottlenecks?source=live. It is the engine over a plan of the one
// account (oneAccount), its parts kept in memory.
func (s *Scanner) Evaluate(ctx context.Context, id string, regions []string) (*cloudscope.Snapshot, error) {
	if s.d.Shards != nil && s.who.get(ctx) == "" {
		// A shard run elsewhere names its account; the shard function
		// refuses one without.
		return nil, cloudscope.Errorf(cloudscope.CodeUnavailable, "the live view could not learn which account it reads (sts GetCallerIdentity): try again")
	}
	return s.oneAccount(regions).Live(ctx, id)
}

// Run scans the account: the engine over a plan of the one account
// (oneAccount), run in this process (Engine.Scan), its parts kept in the
// store when the store can keep them and in memory otherwise. A scan id
// already stored (a retried delivery of the same event) stores and sends
// nothing new. While another scan runs, Run starts nothing and returns
// *ErrScanRunning. A scan that failed everywhere is stored for inspection
// only, and Run returns an error naming the step. Without a store it
// stores nothing, as Evaluate. The result's snapshot holds its resources.
func (s *Scanner) Run(ctx context.Context, id string, regions []string) (*Result, error) {
	if s.d.Shards != nil {
		// Parts answered from elsewhere hold no resources: a scan stored
		// of them would have counts and no inventory.
		return nil, errors.New("a scanner whose shards run elsewhere only evaluates: its scans run on the state machine")
	}
	e := s.oneAccount(regions)
	if s.d.Store == nil {
		snap, err := e.Live(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Result{Snapshot: snap}, failedError(snap)
	}
	res, err := e.Scan(ctx, id, nil)
	if res != nil && res.Snapshot != nil && res.Snapshot.Resources == nil {
		// Stored as parts: the resources are read back, as Get reads them.
		if full, gerr := s.d.Store.Get(ctx, res.Snapshot.ID); gerr == nil && full != nil {
			res.Snapshot.Resources = full.Resources
		}
	}
	return res, err
}

// failedError is the error of a scan that failed everywhere, or nil.
func failedError(snap *cloudscope.Snapshot) error {
	if !snap.Failed() {
		return nil
	}
	return cloudscope.Errorf(cloudscope.CodeUnavailable, "the scan read nothing at step %s (every region failed); the latest snapshot is unchanged", snap.FailedStep)
}

// findingsByID returns the current findings among ids: a pending finding
// that has since resolved is not worth telling.
func findingsByID(s *cloudscope.Snapshot, ids []string) []cloudscope.Finding {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []cloudscope.Finding
	for _, f := range s.Findings {
		if want[f.ID] {
			out = append(out, f)
		}
	}
	return out
}

// costSummary is the last 30 days by service, through the cost cache: one
// Cost Explorer request when the cache is cold, none when it is warm. It is
// the default query (daily, by service), which GET /costs without parameters
// and the dashboard's first view also ask: after a scan they cost nothing.
func (s *Scanner) costSummary(ctx context.Context) (c costResult) {
	if s.d.Costs == nil {
		return c
	}
	c.asked = true
	q, err := costquery.NewQuery(costquery.QueryInput{}, s.d.Now())
	if err != nil {
		c.errors = append(c.errors, failure("", cloudscope.Global, "ce", err))
		return c
	}
	rep, err := s.d.Costs.Report(ctx, q)
	if err != nil {
		c.errors = append(c.errors, failure("", cloudscope.Global, "ce", err))
		return c
	}
	if rep.CacheError != "" {
		c.errors = append(c.errors, cloudscope.Failure{Region: cloudscope.Global, Service: "dynamodb", Code: string(cloudscope.CodeUpstream),
			Message: "the cost cache failed; Cost Explorer was asked directly"})
	}
	top := rep.Groups
	if len(top) > 10 {
		top = top[:10]
	}
	c.summary, c.requests = &cloudscope.CostSummary{Start: rep.Start, End: rep.End, Currency: rep.Currency, Total: rep.Total, Top: top}, rep.Requests
	return c
}

// costResult is the cost summary's outcome: asked is false when the scan
// has no cost reader.
type costResult struct {
	asked    bool
	summary  *cloudscope.CostSummary
	requests int
	errors   []cloudscope.Failure
	// anomalyReport is the anomaly query's answer (nil: not asked).
	anomalyReport *costquery.Report
}

// target is the metrics target of a resource the rules judge by its metrics.
func target(r cloudscope.Resource) (metricquery.Target, bool) {
	if !discovery.Measured(r) { // the type's descriptor says which resources a rule judges by metrics
		return metricquery.Target{}, false
	}
	t := metricquery.Target{Type: r.Type, ID: r.ID, Resource: &r}
	if r.EC2 != nil {
		t.InstanceType = r.EC2.InstanceType
	}
	return t, true
}

// priceCalls is how many Price List calls the prices have made so far.
func (s *Scanner) priceCalls() int {
	if s.d.Prices == nil {
		return 0
	}
	return s.d.Prices.Calls()
}

// typeCalls is how many DescribeInstanceTypes calls the catalogue has made so far.
func (s *Scanner) typeCalls() int {
	if s.d.InstanceTypes == nil {
		return 0
	}
	return s.d.InstanceTypes.Calls()
}

// boundTypes are the scan's instance type catalogue within its context, as
// the rules ask it.
type boundTypes struct {
	ctx context.Context
	t   InstanceTypes
}

func (b boundTypes) InstanceTypes(region string) (map[string]cloudscope.InstanceType, error) {
	return b.t.Types(b.ctx, region)
}

// boundPrices are the scan's prices within its context, as the rules ask them.
type boundPrices struct {
	ctx context.Context
	p   Prices
}

func (b boundPrices) UnitPrice(region string, item cloudscope.PriceItem) cloudscope.UnitPrice {
	return b.p.UnitPrice(b.ctx, region, item)
}

func count(s *cloudscope.Snapshot) cloudscope.SnapshotCounts {
	c := cloudscope.SnapshotCounts{Findings: len(s.Findings), BySeverity: map[cloudscope.Severity]int{}}
	c.CountResources(s.Resources)
	for _, f := range s.Findings {
		c.BySeverity[f.Severity]++
	}
	savings := cloudscope.SumSavings(s.Findings)
	c.Savings = &savings
	return c
}
