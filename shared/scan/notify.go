package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/notify"
)

// notification is what a scan has to tell: the findings of snap that are
// new or worse than in snapshot base, and the previous snapshot whose
// notification it carries because that one could not be sent.
type notification struct {
	snap     *cloudscope.Snapshot
	findings []cloudscope.Finding
	carried  *cloudscope.Snapshot
	// carriedOnly are the findings told only because carried could not
	// send them: left out if another delivery of carried claims it first.
	carriedOnly map[string]bool
	base        string
	// anomalies are the new confirmed spend anomalies it tells too.
	anomalies []cloudscope.Anomaly
}

// NewMessage renders the notification of findings, the findings of snap
// that are new or worse than in snapshot base ("" when unknown), with
// links into the dashboard at dashboardURL ("" for none).
func NewMessage(snap *cloudscope.Snapshot, findings []cloudscope.Finding, base, dashboardURL string) cloudscope.Message {
	return notify.Renderer{DashboardURL: dashboardURL}.Findings(snap, findings, base)
}

// message renders the notification of findings and anomalies.
func (s *Scanner) message(snap *cloudscope.Snapshot, findings []cloudscope.Finding, anomalies []cloudscope.Anomaly, base string) cloudscope.Message {
	return notify.Renderer{DashboardURL: s.d.DashboardURL, Anomalies: anomalies}.Findings(snap, findings, base)
}

// isChatOnly reports whether a publish reached its topic and missed only
// the chat channel (sending again would repeat it to everyone else).
func isChatOnly(err error) bool { return errors.Is(err, cloudscope.ErrChatUndelivered) }

// pending works out what snap has to tell against prev, the latest stored
// snapshot (nil for none), and marks snap pending with it: nil when there
// is nothing.
func (s *Scanner) pending(prev, snap *cloudscope.Snapshot) *notification {
	n := &notification{snap: snap}
	if prev == nil {
		n.findings = snap.Findings
	} else {
		n.base = prev.ID
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
			n.carriedOnly = map[string]bool{}
			for _, f := range findingsByID(snap, prev.Notify) {
				if !seen[f.ID] {
					n.findings = append(n.findings, f)
					n.carriedOnly[f.ID] = true
				}
			}
		}
	}
	if len(n.findings) == 0 {
		return nil
	}
	cloudscope.SortFindings(n.findings) // a message cut short keeps the most severe
	// Pending until sent; a scan with no notifier carries it forward.
	snap.Notification = cloudscope.NotifyPending
	for _, f := range n.findings {
		snap.Notify = append(snap.Notify, f.ID)
	}
	return n
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
	if c := n.carried; c != nil {
		// The carried notification is claimed too: a retried delivery of
		// its own scan may be sending it now.
		switch err := s.d.Store.SetNotification(ctx, c.ID, c.Notification, cloudscope.NotifySending); {
		case errors.Is(err, cloudscope.ErrStateChanged):
			n.carried = nil
			n.findings = slices.DeleteFunc(n.findings, func(f cloudscope.Finding) bool { return n.carriedOnly[f.ID] })
			if len(n.findings) == 0 { // all it had to tell, the other delivery tells
				snap.Notification = cloudscope.NotifySent
				return s.d.Store.SetNotification(ctx, snap.ID, cloudscope.NotifySending, cloudscope.NotifySent)
			}
		case err != nil:
			_ = s.d.Store.SetNotification(context.WithoutCancel(ctx), snap.ID, cloudscope.NotifySending, cloudscope.NotifyPending)
			return err
		}
	}
	s.report(ctx, t, Progress{Step: "notify", Detail: fmt.Sprintf("%d new or worse findings", len(n.findings))})
	if n.base == "" { // unknown to a retried delivery finishing what the first could not send
		if h, err := s.d.Store.Before(ctx, snap.ID); err == nil && h != nil {
			n.base = h.ID
		}
	}
	err := s.d.Notifier.Publish(ctx, s.message(snap, n.findings, n.anomalies, n.base))
	if errors.Is(err, cloudscope.ErrChatUndelivered) {
		// Sent to the topic; only the chat channel missed it. Sending it
		// again would repeat it to every other subscriber.
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "sns", err))
		err = nil
	}
	if err != nil {
		snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "sns", err))
		snap.Notification = cloudscope.NotifyPending
		if c := n.carried; c != nil { // the next scan carries both again
			_ = s.d.Store.SetNotification(context.WithoutCancel(ctx), c.ID, cloudscope.NotifySending, cloudscope.NotifyPending)
		}
		return s.d.Store.SetNotification(context.WithoutCancel(ctx), snap.ID, cloudscope.NotifySending, cloudscope.NotifyPending)
	}
	if err := s.d.Store.SetNotification(ctx, snap.ID, cloudscope.NotifySending, cloudscope.NotifySent); err != nil {
		return err
	}
	snap.Notification = cloudscope.NotifySent
	if len(n.anomalies) > 0 {
		if err := s.d.Anomalies.MarkNotified(ctx, n.anomalies); err != nil {
			snap.Errors = append(snap.Errors, failure("", cloudscope.Global, "anomalies", err))
		}
	}
	if c := n.carried; c != nil {
		if err := s.d.Store.SetNotification(ctx, c.ID, cloudscope.NotifySending, cloudscope.NotifySent); err != nil && !errors.Is(err, cloudscope.ErrStateChanged) {
			return err
		}
	}
	return nil
}
