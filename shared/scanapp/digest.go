package scanapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cloudscope/cloudscope/shared/scan"
)

// The digest function's handler: the weekly digest (scan.Scanner.Digest),
// on the weekly schedule's {"digest": true}. It scans nothing: every scan
// is the state machine's (states.go).

// event is the weekly schedule's {"digest": true}.
type event struct {
	Digest bool `json:"digest"`
}

// IsDigest reports whether an invocation's payload asks for the weekly
// digest.
func IsDigest(payload []byte) bool {
	var e event
	return json.Unmarshal(payload, &e) == nil && e.Digest
}

// Digester sends the weekly digest (scan.Scanner).
type Digester interface {
	Digest(ctx context.Context) (*scan.DigestSummary, error)
}

// DigestHandler is the digest function's Lambda handler: it sends the
// digest for {"digest": true} and refuses any other event (a scan is
// started on the state machine, never here).
func DigestHandler(d Digester) func(ctx context.Context, payload json.RawMessage) (*scan.DigestSummary, error) {
	return func(ctx context.Context, payload json.RawMessage) (*scan.DigestSummary, error) {
		if !IsDigest(payload) {
			return nil, fmt.Errorf(`digest: the event is not {"digest": true}; scans run on the state machine`)
		}
		return d.Digest(ctx)
	}
}
