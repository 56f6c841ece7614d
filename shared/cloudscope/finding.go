package cloudscope

import (
	"cmp"
	"slices"
	"time"
)

// Severity ranks findings.
type Severity string

// The severities, from the most urgent.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Severities lists every severity, the most urgent first.
var Severities = []Severity{Critical, Warning, Info}

// Rank orders severities: critical 3, warning 2, info 1.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Threshold is what a rule compares against, and where the number comes from.
type Threshold struct {
	Value  float64 `json:"value"`
	Op     string  `json:"op"` // ">", ">=", "<", "<=", "=="
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
}

// Window is the time a rule looked at.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Finding is one problem with one resource.
type Finding struct {
	// ID is stable across scans: the rule and the resource.
	ID             string             `json:"id"`
	AccountID      string             `json:"account_id,omitempty"`
	Rule           string             `json:"rule"`
	Severity       Severity           `json:"severity"`
	Title          string             `json:"title"`
	ResourceType   ResourceType       `json:"resource_type"`
	ResourceID     string             `json:"resource_id"`
	ResourceName   string             `json:"resource_name,omitempty"`
	Region         string             `json:"region"`
	Observed       map[string]float64 `json:"observed"`
	Threshold      Threshold          `json:"threshold"`
	Window         Window             `json:"window"`
	Evidence       []Point            `json:"evidence"`
	Recommendation string             `json:"recommendation"`
	// Savings is what acting on the finding saves a month, or why no figure
	// is given; every waste finding has one.
	Savings *Savings `json:"savings,omitempty"`
	// Rightsize is a rightsize finding's target and its arithmetic.
	Rightsize *Rightsizing `json:"rightsize,omitempty"`
	// SeeAlso names the finding (its ID) whose action covers this one: an
	// underutilised instance or an idle database points at its rightsize
	// finding, which names the target and the saving.
	SeeAlso string `json:"see_also,omitempty"`
}

// Savings is a finding's saving in money a month: the quantity, the unit
// price with its currency, the price's source and date, and the arithmetic,
// or (Unavailable) why there is no figure. Never a guess.
type Savings struct {
	Monthly  *Amount `json:"monthly,omitempty"`
	Currency string  `json:"currency,omitempty"`
	// Quantity of Unit, at UnitPrice each ("500" "GB-month" "0.02").
	Quantity  *Amount `json:"quantity,omitempty"`
	Unit      string  `json:"unit,omitempty"`
	UnitPrice *Amount `json:"unit_price,omitempty"`
	// PriceSource says where the price comes from (the Price List's
	// product and term); PriceDate its effective date.
	PriceSource string `json:"price_source,omitempty"`
	PriceDate   string `json:"price_date,omitempty"`
	// Estimate is the arithmetic in words: "gp2 -> gp3, 500 GB x (0.10 -
	// 0.08) USD/GB-month = 10.00 USD/month".
	Estimate string `json:"estimate,omitempty"`
	// Unavailable says why there is no figure: no price found, no price
	// API in that partition.
	Unavailable string `json:"unavailable,omitempty"`
	// Resources are the resources whose charges Monthly counts, all in
	// the finding's account and region: the finding's own resource, and
	// for a stopped instance the volumes attached to it. Absent, it is the
	// finding's resource alone.
	Resources []ResourceRef `json:"resources,omitempty"`
	// CoveredBy is the id of the finding whose saving counts the charges
	// this one counts: one of its resources is among that finding's, and
	// that saving is the larger. Totals leave this one out, so that each
	// resource counts once (CoverSavings).
	CoveredBy string `json:"covered_by,omitempty"`
}

// ResourceRef names a resource of a finding's account and region.
type ResourceRef struct {
	Type ResourceType `json:"resource_type"`
	ID   string       `json:"resource_id"`
}

// Insufficient records a rule that could not judge a resource for lack of
// data: too little data is never taken for idleness.
type Insufficient struct {
	AccountID    string       `json:"account_id,omitempty"`
	Rule         string       `json:"rule"`
	ResourceType ResourceType `json:"resource_type"`
	ResourceID   string       `json:"resource_id"`
	Region       string       `json:"region"`
	HoursOfData  float64      `json:"hours_of_data"`
	HoursNeeded  int          `json:"hours_needed"`
}

// SortFindings orders findings: the most severe first, then by rule, region
// and resource.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(b.Severity.Rank()-a.Severity.Rank(), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Region, b.Region), cmp.Compare(a.ResourceID, b.ResourceID))
	})
}
