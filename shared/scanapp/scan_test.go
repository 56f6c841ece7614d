package scanapp

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
)

func TestScanIDOfTheFixtures(t *testing.T) {
	for file, want := range map[string]string{
		"../../events/scan/scheduled-event.json": "f2b0c7a4-6e1d-4c1e-9d55-1e2f3a4b5c6d",
		"../../events/scan/manual-scan.json":     "manual-20261126T090000Z-0a1b2c3d",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.EventBridgeEvent
		if strings.Contains(file, "scheduled") && (json.Unmarshal(b, &ev) != nil || ev.DetailType != "Scheduled Event") {
			t.Errorf("%s is not a scheduled event", file)
		}
		if id, err := ScanIDOf(b); err != nil || id != want {
			t.Errorf("%s: %q %v", file, id, err)
		}
	}
	for _, bad := range []string{`{}`, `[1]`, `{"id": "x"}`, `{"scan_id": "../etc"}`} {
		if _, err := ScanIDOf([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// scanner counts the scans and digests it was asked for; running names a
// scan that holds the lease.
type scanner struct {
	runs, digests int
	running       string
}

func (s *scanner) Run(_ context.Context, id string, _ []string) (*scan.Result, error) {
	s.runs++
	if s.running != "" {
		return nil, &scan.ErrScanRunning{ID: s.running}
	}
	return &scan.Result{Snapshot: &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: id}}}, nil
}

func (s *scanner) Digest(context.Context) (*scan.DigestSummary, error) {
	s.digests++
	return &scan.DigestSummary{Sent: true}, nil
}

func TestDigestEvent(t *testing.T) {
	b, err := os.ReadFile("../../events/scan/weekly-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	if !IsDigest(b) || IsDigest([]byte(`{"scan_id": "manual-20261126T090000Z-0a1b2c3d"}`)) || IsDigest([]byte(`{"digest": false}`)) {
		t.Error("IsDigest")
	}
	s := &scanner{}
	sum, err := ScanHandler(s)(context.Background(), b)
	if err != nil || sum.Digest == nil || !sum.Digest.Sent || sum.ScanID != "" || s.digests != 1 {
		t.Errorf("%+v %v", sum, err)
	}
	// A scan is not started.
	if s.runs != 0 {
		t.Errorf("%d scans run by the digest event", s.runs)
	}
	sum, err = ScanHandler(s)(context.Background(), []byte(`{"scan_id": "manual-20261126T090000Z-0a1b2c3d"}`))
	if err != nil || sum.ScanID != "manual-20261126T090000Z-0a1b2c3d" || s.runs != 1 {
		t.Errorf("a scan event: %+v %v", sum, err)
	}
}

// While another scan holds the lease, the handler names it and does not
// fail: the invocation is not retried, the running scan makes today's
// snapshot.
func TestARunningScanIsNoFailure(t *testing.T) {
	sum, err := ScanHandler(&scanner{running: "running-1"})(context.Background(), json.RawMessage(`{"scan_id":"second"}`))
	if err != nil || sum.RunningScan != "running-1" || sum.ScanID != "second" {
		t.Errorf("handler: %+v %v", sum, err)
	}
}
