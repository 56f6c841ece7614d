package scan

import (
	"context"
	"sync"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// The account on every record of a scan: its findings' ids name it, and a
// one-account scan asks once whose its credentials are.

// attribute gives the findings and undecided rules of account their
// account id (when they have none); a finding's id then names the account
// too ("<rule>/<type>/<account>/<region>/<id>"), so that two accounts'
// findings on same-named resources never share an id. A saving covered by
// another's (Savings.CoveredBy) follows its new id.
func attribute(account string, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) {
	if account == "" {
		return
	}
	renamed := map[string]string{}
	for i := range findings {
		f := &findings[i]
		if f.AccountID == "" {
			f.AccountID = account
		}
		id := findingID(f.Rule, *f)
		renamed[f.ID], f.ID = id, id
	}
	cloudscope.RenameCovers(findings, renamed)
	for i := range insufficient {
		if insufficient[i].AccountID == "" {
			insufficient[i].AccountID = account
		}
	}
}

// findingID is a finding's stable id: rule, type, account (when known),
// region and resource.
func findingID(rule string, f cloudscope.Finding) string {
	return bottleneck.FindingID(rule, f.ResourceType, f.AccountID, f.Region, f.ResourceID)
}

// identity is the account a one-account scan reads, asked once (again
// after a failure).
type identity struct {
	lookup func(ctx context.Context) (string, error)
	mu     sync.Mutex
	id     string
}

// get is the account id, or "" when it cannot be known (a nil identity too).
func (i *identity) get(ctx context.Context) string {
	if i == nil {
		return ""
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.id == "" {
		if id, err := i.lookup(ctx); err == nil {
			i.id = id
		}
	}
	return i.id
}
