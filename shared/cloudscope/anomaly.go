package cloudscope

import "time"

// AnomalyStatus says where a spend anomaly stands.
type AnomalyStatus string

// The statuses of an anomaly: new (first seen by the latest evaluation),
// ongoing (seen before, and its spend is still above normal on the latest
// day), resolved (its spend is back to normal, or became the new normal).
const (
	AnomalyNew      AnomalyStatus = "new"
	AnomalyOngoing  AnomalyStatus = "ongoing"
	AnomalyResolved AnomalyStatus = "resolved"
)

// AnomalyStatuses lists every status, for validation.
var AnomalyStatuses = []AnomalyStatus{AnomalyNew, AnomalyOngoing, AnomalyResolved}

// AnomalyKind says what kind of jump an anomaly is.
type AnomalyKind string

// The kinds of anomaly.
const (
	// AnomalySpike is a day (or a run of days) above the seasonal baseline.
	AnomalySpike AnomalyKind = "spike"
	// AnomalyLevelShift is a run of days long enough to become the new
	// normal: reported once, then the baseline follows it.
	AnomalyLevelShift AnomalyKind = "level_shift"
	// AnomalyNewSpend is spend where there was none before (a new service
	// or account), reported without waiting for a history.
	AnomalyNewSpend AnomalyKind = "new_spend"
)

// Anomaly is one spend anomaly: one series (service, and the linked
// account or region when the cost query had them) above its normal from
// Start to End (inclusive days, YYYY-MM-DD).
type Anomaly struct {
	// ID names the anomaly: its series and its first day.
	ID        string        `json:"id"`
	AccountID string        `json:"account_id,omitempty"`
	Service   string        `json:"service"`
	Region    string        `json:"region,omitempty"`
	Kind      AnomalyKind   `json:"kind"`
	Status    AnomalyStatus `json:"status"`
	Start     string        `json:"start"`
	End       string        `json:"end"`
	Currency  string        `json:"currency"`
	// Actual is the spend on the anomaly's days, Expected the baseline's
	// for them, Excess their difference (what the jump cost).
	Actual   Amount `json:"actual"`
	Expected Amount `json:"expected"`
	Excess   Amount `json:"excess"`
	// Score is the highest modified z-score of its days (0 for new spend).
	Score float64 `json:"score"`
	// Provisional is true while any of its days is one Cost Explorer still
	// marks Estimated: shown, but not notified until confirmed.
	Provisional bool `json:"provisional"`
	// Days are the anomaly's days, each with its spend and baseline.
	Days        []AnomalyDay        `json:"days"`
	Explanation *AnomalyExplanation `json:"explanation,omitempty"`
	FirstSeen   time.Time           `json:"first_seen"`
	UpdatedAt   time.Time           `json:"updated_at"`
	// Notified is when a notification carried it (nil: not yet).
	Notified *time.Time `json:"notified_at,omitempty"`
}

// AnomalyDay is one day of an anomaly.
type AnomalyDay struct {
	Date      string  `json:"date"`
	Actual    Amount  `json:"actual"`
	Expected  Amount  `json:"expected"`
	Score     float64 `json:"score"`
	Estimated bool    `json:"estimated"`
}

// AnomalyExplanation is what changed in the inventory on an anomaly's
// first day, priced at list price for the hours each change ran that day.
type AnomalyExplanation struct {
	// Covered is false when no stored scan saw the inventory after the
	// day began: nothing can be said of what changed; Note says so.
	Covered bool   `json:"covered"`
	Note    string `json:"note,omitempty"`
	// Base and Head are the scans compared (Base "" when there is none
	// before the day: creation times alone place the changes).
	Base string `json:"base_snapshot,omitempty"`
	Head string `json:"head_snapshot,omitempty"`
	// Explained is the priced changes' cost on the day, Unexplained the
	// excess they leave (never below 0); Unpriced counts changes without
	// a list price.
	Explained   Amount          `json:"explained"`
	Unexplained Amount          `json:"unexplained"`
	Unpriced    int             `json:"unpriced"`
	Changes     []AnomalyChange `json:"changes"`
}

// The changes of the inventory that explain spend.
const (
	ChangeCreated = "created"
	ChangeStarted = "started"
	ChangeResized = "resized"
)

// AnomalyChange is one resource that changed on the day.
type AnomalyChange struct {
	AccountID    string       `json:"account_id,omitempty"`
	ResourceType ResourceType `json:"resource_type"`
	ResourceID   string       `json:"resource_id"`
	Name         string       `json:"name,omitempty"`
	Region       string       `json:"region"`
	// Change is created, started or resized (a new type, class or size);
	// Detail says from what to what.
	Change string `json:"change"`
	Detail string `json:"detail,omitempty"`
	// Since is when it began running (its launch or creation time when
	// known, else the earlier scan's time or the day's start).
	Since time.Time `json:"since"`
	// Hours is how long it ran on the day.
	Hours float64 `json:"hours"`
	// Cost is its list price for those hours (nil: Unpriced says why).
	Cost     *Amount     `json:"cost,omitempty"`
	Prices   []UnitPrice `json:"prices,omitempty"`
	Unpriced string      `json:"unpriced,omitempty"`
}
