package cloudscope

import (
	"encoding/json"
	"time"
)

// Shard is one unit of a scan's work: one account's one region, or part of
// it (a subset of the types) when an account-region is too big for one
// unit. The state machine's Distributed Map runs one shard per item; the
// local worker pool runs the same shards in-process.
type Shard struct {
	ScanID    string `json:"scan_id"`
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	// Types limits the shard to some resource types (empty: every type).
	Types []ResourceType `json:"types,omitempty"`
}

// Key names the shard within its scan: "<account>#<region>[#<type>+<type>...]".
func (s Shard) Key() string {
	k := s.AccountID + "#" + s.Region
	for i, t := range s.Types {
		if i == 0 {
			k += "#"
		} else {
			k += "+"
		}
		k += string(t)
	}
	return k
}

// ShardPart is what one shard stores of its scan: its resources (in the
// stored order), its findings and undecided rules, what it could not read,
// its calls and counts. A part read back as a summary has no Resources.
type ShardPart struct {
	Shard        Shard          `json:"shard"`
	StartedAt    time.Time      `json:"started_at"`
	FinishedAt   time.Time      `json:"finished_at"`
	Resources    []Resource     `json:"resources,omitempty"`
	Findings     []Finding      `json:"findings"`
	Insufficient []Insufficient `json:"insufficient_data"`
	Errors       []Failure      `json:"errors"`
	Calls        map[string]int `json:"aws_calls"`
	Counts       SnapshotCounts `json:"counts"`
	// Listed counts the listings that succeeded; MetricsRead and
	// MetricsFailed the metric reads that did and did not (the outcome of
	// the whole scan is judged from every part's).
	Listed        int `json:"listed"`
	MetricsRead   int `json:"metrics_read"`
	MetricsFailed int `json:"metrics_failed"`
	// MetricsRequested counts the metrics the shard's GetMetricData calls
	// asked for: what CloudWatch bills (the scan's own bill).
	MetricsRequested int64 `json:"metrics_requested,omitempty"`
	// Planned, in the plan's own part only, are the keys of every shard the
	// plan made, in the plan's order: the finalize names each one that
	// stored no part, so that every region a scan meant to read and did not
	// is in its errors.
	Planned []string `json:"planned,omitempty"`
}

// ShardProgress is how far a sharded scan is: GET /scans/{id} reports it.
type ShardProgress struct {
	Total  int `json:"total"`
	Done   int `json:"done"`
	Failed int `json:"failed"`
}

// Left is how many shards have not finished.
func (p ShardProgress) Left() int { return max(p.Total-p.Done-p.Failed, 0) }

// MarshalJSON writes the progress with how many shards are left, as
// GET /scans/{id} reports it.
func (p ShardProgress) MarshalJSON() ([]byte, error) {
	type plain ShardProgress
	return json.Marshal(struct {
		plain
		Left int `json:"left"`
	}{plain(p), p.Left()})
}

// CheckPart refuses a part a store cannot keep apart from the others: a
// malformed scan id, or a resource of another account than its shard's
// (each (account, region, type) group is stored with one shard's part).
func CheckPart(p *ShardPart) error {
	if !ValidScanID(p.Shard.ScanID) {
		return Invalid("scan_id", "a shard's scan id must be 1 to 128 letters, digits, '.', '_', ':' or '-'")
	}
	for i := range p.Resources {
		if p.Resources[i].AccountID != p.Shard.AccountID {
			return Invalid("resources", "shard %s holds a resource of account %q", Clip(p.Shard.Key()), Clip(p.Resources[i].AccountID))
		}
	}
	return nil
}
