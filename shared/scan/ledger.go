package scan

import (
	"context"
	"fmt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/ledger"
)

// settle records in the ledger what snap resolved and reopened against
// prev, the latest stored snapshot (nil for none), snap having read
// accounts. It runs before snap is stored, so that a scan stored is one the
// ledger has heard of (a retried delivery records it again, to no effect).
// A ledger that cannot be written is one of snap's errors, never a failed
// scan.
func (s *Scanner) settle(ctx context.Context, prev, snap *cloudscope.Snapshot, accounts []string) {
	if s.d.Ledger == nil {
		return
	}
	account := s.who.get(ctx)
	if s.who != nil && account == "" {
		snap.Errors = append(snap.Errors, cloudscope.Failure{Region: cloudscope.Global, Service: ledger.FailureService, Code: string(cloudscope.CodeUpstream),
			Message: "the savings ledger was not updated: the scanning identity's account could not be read"})
		return
	}
	c, err := s.d.Ledger.Record(ctx, account, ledger.RoundOf(prev, snap, accounts))
	if err != nil {
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, ledger.FailureService, err))
		return
	}
	if len(c.Resolved)+len(c.Reopened) > 0 {
		s.d.Progress(Progress{Step: "ledger", Detail: ledgerDetail(c)})
	}
}

func ledgerDetail(c *ledger.Change) string {
	return fmt.Sprintf("%d resolved (%s %s/month realized), %d reopened", len(c.Resolved), c.Realized.Cents(), cloudscope.SavingsCurrency, len(c.Reopened))
}
