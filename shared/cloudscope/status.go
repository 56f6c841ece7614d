package cloudscope

import (
	"regexp"
	"strings"
	"time"
)

// Scan states (ScanStatus.State), as GET /scans/{id} reports them.
const (
	StateQueued  = "queued"  // asked for; the scan has not begun
	StateRunning = "running" // see Step and the regions done
	StateFailed  = "failed"  // it stopped; Error says where and why
	StateDone    = "done"    // its snapshot is stored
)

// StatusRetention is how long a scan's status is kept.
const StatusRetention = 24 * time.Hour

// ScanStatus is how one scan is going: stored as it runs, so that whoever
// started it (the page's "Scan now") can follow it, and learn of a failure
// instead of waiting for a snapshot that never comes.
type ScanStatus struct {
	ID          string `json:"scan_id"`
	State       string `json:"state"`
	Step        string `json:"step,omitempty"`
	Detail      string `json:"detail,omitempty"`
	RegionsDone int    `json:"regions_done"`
	Regions     int    `json:"regions"`
	// Shards is a sharded scan's progress (nil for a one-process scan).
	Shards    *ShardProgress `json:"shards,omitempty"`
	StartedAt time.Time      `json:"started_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	// Error names the step and the kind of failure, never AWS's own words
	// (those go to the log).
	Error string `json:"error,omitempty"`
}

// ScanStarted is what asking for a scan answers: the scan that runs now,
// and whether it was already running (then the request started nothing).
type ScanStarted struct {
	ID             string
	AlreadyRunning bool
}

// scanID is what a scan (and its snapshot) id may look like: a scheduled
// event's id, or a kind, a time and random bits (scan.NewID).
var scanID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// ValidScanID reports whether id has the shape of a scan or snapshot id.
// Dots alone (".", "..") are path steps, never ids.
func ValidScanID(id string) bool { return scanID.MatchString(id) && strings.Trim(id, ".") != "" }
