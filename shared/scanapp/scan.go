package scanapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// The scan function's handler: a scan of the account the function's
// credentials read, run in the function itself (scan.Scanner: its regions
// through the region pipeline, then the conclusion), or the weekly digest.

// Summary is what the scan function returns.
type Summary struct {
	ScanID       string         `json:"scan_id"`
	Duplicate    bool           `json:"duplicate"`
	Resources    int            `json:"resources"`
	Findings     int            `json:"findings"`
	Notification string         `json:"notification"`
	Errors       int            `json:"errors"`
	Calls        map[string]int `json:"aws_calls"`
	// RunningScan names the scan that was running: this one started nothing.
	RunningScan string `json:"running_scan,omitempty"`
	// Digest is the weekly digest's outcome, for a {"digest": true} event.
	Digest *scan.DigestSummary `json:"digest,omitempty"`
}

// event is either EventBridge's scheduled event (its id is the scan id, so a
// retried delivery is the same scan), {"scan_id": ...} from POST /scans, or
// {"digest": true} from the weekly digest's schedule.
type event struct {
	ID         string `json:"id"`
	DetailType string `json:"detail-type"`
	ScanID     string `json:"scan_id"`
	Digest     bool   `json:"digest"`
}

// IsDigest reports whether an invocation's payload asks for the weekly
// digest rather than a scan.
func IsDigest(payload []byte) bool {
	var e event
	return json.Unmarshal(payload, &e) == nil && e.Digest
}

// ScanIDOf reads the scan id out of an invocation's payload.
func ScanIDOf(payload []byte) (string, error) {
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return "", fmt.Errorf("scan: the event is not JSON: %w", err)
	}
	id := e.ScanID
	if id == "" && e.DetailType != "" {
		id = e.ID
	}
	if !cloudscope.ValidScanID(id) {
		return "", fmt.Errorf("scan: the event has neither a scan_id nor a scheduled event's id")
	}
	return id, nil
}

// Scanner is the one-account scan and the weekly digest (scan.Scanner).
type Scanner interface {
	Run(ctx context.Context, id string, regions []string) (*scan.Result, error)
	Digest(ctx context.Context) (*scan.DigestSummary, error)
}

// ScanHandler is the scan function's Lambda handler.
func ScanHandler(sc Scanner) func(ctx context.Context, payload json.RawMessage) (*Summary, error) {
	return func(ctx context.Context, payload json.RawMessage) (*Summary, error) {
		if IsDigest(payload) {
			d, err := sc.Digest(ctx)
			if err != nil {
				return nil, err
			}
			return &Summary{Digest: d}, nil
		}
		id, err := ScanIDOf(payload)
		if err != nil {
			return nil, err
		}
		res, err := sc.Run(ctx, id, nil)
		var running *scan.ErrScanRunning
		if errors.As(err, &running) {
			// Not a failure to retry: the running scan makes today's snapshot.
			return &Summary{ScanID: id, RunningScan: running.ID}, nil
		}
		if err != nil {
			return nil, err
		}
		s := res.Snapshot
		return &Summary{ScanID: s.ID, Duplicate: res.Duplicate, Resources: s.Counts.Resources, Findings: s.Counts.Findings,
			Notification: s.Notification, Errors: len(s.Errors), Calls: s.Calls}, nil
	}
}
