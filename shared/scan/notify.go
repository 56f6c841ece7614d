package scan

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// notification is what a scan has to tell: the findings of snap that are
// new or worse, and the previous snapshot whose notification it carries
// because that one could not be sent.
type notification struct {
	snap     *cloudscope.Snapshot
	findings []cloudscope.Finding
	carried  *cloudscope.Snapshot
}

// pending works out what snap has to tell against the latest stored
// snapshot, and marks snap pending with it: nil when there is nothing.
func (s *Scanner) pending(ctx context.Context, snap *cloudscope.Snapshot) (*notification, error) {
	prev, err := s.d.Store.Latest(ctx)
	if err != nil {
		return nil, err
	}
	n := &notification{snap: snap}
	if prev == nil {
		n.findings = snap.Findings
	} else {
		d := cloudscope.CompareSnapshots(prev, snap)
		n.findings = append(d.FindingsNew, d.FindingsWorse...)
		// Pending, or claimed by a delivery that stopped before it could
		// record it sent (only one scan runs at a time, so nobody is
		// sending it now): tell it again with this one.
		if prev.Notification == cloudscope.NotifyPending || prev.Notification == cloudscope.NotifySending {
			n.carried = prev
			seen := map[string]bool{}
			for _, f := range n.findings {
				seen[f.ID] = true
			}
			for _, f := range findingsByID(snap, prev.Notify) {
				if !seen[f.ID] {
					n.findings = append(n.findings, f)
				}
			}
		}
	}
	if len(n.findings) == 0 {
		return nil, nil
	}
	cloudscope.SortFindings(n.findings) // a message cut short keeps the most severe
	// Pending until sent; a scan with no notifier carries it forward.
	snap.Notification = cloudscope.NotifyPending
	for _, f := range n.findings {
		snap.Notify = append(snap.Notify, f.ID)
	}
	return n, nil
}

// notify claims the snapshot's pending notification (pending -> sending,
// with a condition: of two deliveries racing, one wins and the other sends
// nothing), publishes it, and records it sent. A failed publish puts it
// back to pending, for the next scan; nothing is lost.
func (s *Scanner) notify(ctx context.Context, t *tracker, n *notification) error {
	if s.d.Notifier == nil {
		return nil
	}
	snap := n.snap
	if err := s.d.Store.SetNotification(ctx, snap.ID, cloudscope.NotifyPending, cloudscope.NotifySending); err != nil {
		if errors.Is(err, cloudscope.ErrStateChanged) {
			return nil // another delivery has it
		}
		return err
	}
	s.report(ctx, t, Progress{Step: "notify", Detail: fmt.Sprintf("%d new or worse findings", len(n.findings))})
	if err := s.d.Notifier.Publish(ctx, NewMessage(snap, n.findings)); err != nil {
		snap.Errors = append(snap.Errors, failure(cloudscope.Global, "sns", err))
		snap.Notification = cloudscope.NotifyPending
		return s.d.Store.SetNotification(context.WithoutCancel(ctx), snap.ID, cloudscope.NotifySending, cloudscope.NotifyPending)
	}
	if err := s.d.Store.SetNotification(ctx, snap.ID, cloudscope.NotifySending, cloudscope.NotifySent); err != nil {
		return err
	}
	snap.Notification = cloudscope.NotifySent
	if c := n.carried; c != nil {
		if err := s.d.Store.SetNotification(ctx, c.ID, c.Notification, cloudscope.NotifySent); err != nil && !errors.Is(err, cloudscope.ErrStateChanged) {
			return err
		}
	}
	return nil
}
