package scanapp

import (
	"context"
	"os"
	"testing"

	"github.com/cloudscope/cloudscope/shared/scan"
)

type digester struct{ digests int }

func (d *digester) Digest(context.Context) (*scan.DigestSummary, error) {
	d.digests++
	return &scan.DigestSummary{Sent: true}, nil
}

// The weekly schedule's event sends the digest; any other event (a scan's)
// is refused, and sends nothing.
func TestDigestEvent(t *testing.T) {
	b, err := os.ReadFile("../../events/digest/weekly-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	if !IsDigest(b) || IsDigest([]byte(`{"scan_id": "manual-20261126T090000Z-0a1b2c3d"}`)) || IsDigest([]byte(`{"digest": false}`)) {
		t.Error("IsDigest")
	}
	d := &digester{}
	sum, err := DigestHandler(d)(context.Background(), b)
	if err != nil || sum == nil || !sum.Sent || d.digests != 1 {
		t.Errorf("%+v %v", sum, err)
	}
	if sum, err := DigestHandler(d)(context.Background(), []byte(`{"scan_id": "manual-20261126T090000Z-0a1b2c3d"}`)); err == nil || sum != nil || d.digests != 1 {
		t.Errorf("a scan event: %+v %v", sum, err)
	}
}
