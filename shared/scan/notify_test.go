package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// TestMessagesLinkToTheDiff: the second scan's message links to the diff
// from the first scan to it, and to each finding.
func TestMessagesLinkToTheDiff(t *testing.T) {
	acct, n, _, s := setup()
	s.d.DashboardURL = "http://127.0.0.1:8080/"
	ctx := context.Background()
	if _, err := s.Run(ctx, "scan-1", nil); err != nil {
		t.Fatal(err)
	}
	acct.resources = append(acct.resources, instance("i-new"))
	acct.cpu["i-new"] = 99
	if _, err := s.Run(ctx, "scan-2", nil); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 2 {
		t.Fatalf("%d messages", len(n.sent))
	}
	email := n.sent[1].Bodies["email"]
	for _, want := range []string{"http://127.0.0.1:8080/#history?base=scan-1&head=scan-2", "http://127.0.0.1:8080/#bottlenecks?finding=ec2.high_cpu%2Fec2%2Fus-east-1%2Fi-new"} {
		if !strings.Contains(email, want) {
			t.Errorf("the e-mail lacks %s:\n%s", want, email)
		}
	}
	if strings.Contains(n.sent[0].Bodies["email"], "#history?base=") {
		t.Error("the first scan's message links to a diff")
	}
}

// TestAChatFailureDoesNotResendTheMessage: the findings topic took the
// message, the chat topic did not: sent, with the failure recorded.
func TestAChatFailureDoesNotResendTheMessage(t *testing.T) {
	_, n, store, s := setup()
	n.fail = fmt.Errorf("%w: sns Publish to the chat topic: NotFound", cloudscope.ErrChatUndelivered)
	r, err := s.Run(context.Background(), "scan-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Snapshot.Notification != cloudscope.NotifySent || len(r.Snapshot.Errors) != 1 || r.Snapshot.Errors[0].Service != "sns" {
		t.Errorf("notification %s, errors %v", r.Snapshot.Notification, r.Snapshot.Errors)
	}
	if stored, _ := store.Get(context.Background(), "scan-1"); stored.Notification != cloudscope.NotifySent {
		t.Errorf("stored: %s", stored.Notification)
	}
}
