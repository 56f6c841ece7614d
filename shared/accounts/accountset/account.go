package accountset

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// CodeSkipped is the Failure code of an account that is not ACTIVE
// (SUSPENDED, PENDING_CLOSURE...): listed in the snapshot's errors, never
// read, and not counted against the scan's outcome.
const CodeSkipped = "skipped"

// CodeDenied is the Failure code of a member whose role is missing or
// refuses the scan: one failure for the account, never a failed scan.
const CodeDenied = "access_denied"

// ActiveState is Organizations' state of an account that is read.
const ActiveState = "ACTIVE"

// Account is one account of a scan.
type Account struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	State string `json:"state,omitempty"` // Organizations' state: ACTIVE, SUSPENDED, PENDING_CLOSURE...
}

// Resolved is what a setting comes to now.
type Resolved struct {
	// Caller is the account of the scan's own credentials (the management
	// account or a delegated administrator, for org); Partition its ARN
	// partition (aws, aws-cn, aws-us-gov).
	Caller    string
	Partition string
	// Accounts are read, in id order; Skipped are not (not ACTIVE).
	Accounts []Account
	Skipped  []Account
}

// SkippedFailures lists the skipped accounts as failures with code
// CodeSkipped, so that the snapshot names them.
func (r *Resolved) SkippedFailures() []cloudscope.Failure {
	var out []cloudscope.Failure
	for _, a := range r.Skipped {
		out = append(out, cloudscope.Failure{AccountID: a.ID, Region: cloudscope.Global, Service: "organizations", Code: CodeSkipped,
			Message: fmt.Sprintf("the account is %s: not read", a.State)})
	}
	return out
}

type sessionKey struct{}

// Session is the role session name calls under ctx are named after
// (ForScan), if any.
func Session(ctx context.Context) (string, bool) {
	name, ok := ctx.Value(sessionKey{}).(string)
	return name, ok
}

// ForScan names the role sessions of calls under ctx after scan id
// ("cloudscope-<id>", as IAM allows: at most 64 of letters, digits and
// +=,.@_-), so that a member's CloudTrail says which scan read it.
func ForScan(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, sessionKey{}, SessionName(id))
}

// SessionName is the role session name of scan id.
func SessionName(id string) string {
	name := []byte("cloudscope-" + id)
	for i, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
			name[i] = '-'
		}
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return string(name)
}

// Failure is how an account that could not be reached (err from Clients)
// is reported: one failure for the whole account, region "global", service
// sts, code CodeDenied when its role is missing or refuses the scan.
func Failure(id string, err error) cloudscope.Failure {
	code := string(cloudscope.CodeOf(err))
	msg := "the account could not be reached"
	if cloudscope.CodeOf(err) == cloudscope.CodeAccessDenied {
		code, msg = CodeDenied, "the member role could not be assumed (missing, or it does not trust this scan): the account was not read"
	}
	return cloudscope.Failure{AccountID: id, Region: cloudscope.Global, Service: "sts", Code: code, Message: msg, Detail: awserr.Detail(err)}
}
