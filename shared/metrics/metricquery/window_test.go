package metricquery

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// now is the tests' clock.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestAutomaticPeriod(t *testing.T) {
	for _, tc := range []struct {
		span   time.Duration
		floor  int32
		period int32
	}{
		{time.Hour, 60, 60},        // 60 points
		{3 * time.Hour, 60, 60},    // 180 points
		{4 * time.Hour, 60, 120},   // 240 at 60 s is too many
		{24 * time.Hour, 60, 600},  // 144 points
		{24 * time.Hour, 300, 600}, // EC2's 5-minute floor changes nothing here
		{time.Hour, 300, 300},      // ...but here it does: 12 points
		{24 * time.Hour, 86400, 86400},
		{14 * 24 * time.Hour, 60, 7200}, // 168 points; and 14 days is within 1-minute retention
		{30 * 24 * time.Hour, 60, 21600},
		{400 * 24 * time.Hour, 60, 2 * 86400},
	} {
		w, err := NewGrid(now.Add(-tc.span), now, now, 0, tc.floor, "hours")
		if err != nil {
			t.Fatalf("%s: %v", tc.span, err)
		}
		if w.Period != tc.period || w.Points() > autoPoints+1 { // aligning the start may add one
			t.Errorf("%s floor %d: period %d (%d points), want %d", tc.span, tc.floor, w.Period, w.Points(), tc.period)
		}
	}
}

func TestRetentionEdges(t *testing.T) {
	// An hour's window that starts just inside, then just outside, 15 days ago.
	in := now.Add(-15 * day)
	w, err := NewGrid(in, in.Add(time.Hour), now, 60, 60, "start")
	if err != nil || w.Period != 60 {
		t.Errorf("15 days old at 60 s: %v %v", w, err)
	}
	out := now.Add(-15*day - time.Second)
	if _, err := NewGrid(out, out.Add(time.Hour), now, 60, 60, "start"); !isInvalid(err, "period", "multiple of 300") {
		t.Errorf("older than 15 days at 60 s: %v", err)
	}
	if w, err := NewGrid(out, out.Add(time.Hour), now, 0, 60, "start"); err != nil || w.Period != 300 {
		t.Errorf("automatic period past 15 days: %v %v, want 300", w, err)
	}
	old := now.Add(-64 * day)
	if _, err := NewGrid(old, old.Add(24*time.Hour), now, 300, 60, "start"); !isInvalid(err, "period", "multiple of 3600") {
		t.Errorf("older than 63 days at 300 s: %v", err)
	}
	if w, err := NewGrid(old, old.Add(24*time.Hour), now, 0, 60, "start"); err != nil || w.Period != 3600 {
		t.Errorf("automatic period past 63 days: %v %v", w, err)
	}
	if _, err := NewGrid(now.Add(-MaxAge), now, now, 0, 60, "hours"); err != nil {
		t.Errorf("exactly 455 days: %v", err)
	}
	if _, err := NewGrid(now.Add(-MaxAge-time.Second), now, now, 0, 60, "hours"); !isInvalid(err, "hours", "455 days") {
		t.Errorf("older than 455 days: %v", err)
	}
}

func TestExplicitPeriods(t *testing.T) {
	day1 := now.Add(-24 * time.Hour)
	for _, tc := range []struct {
		period int32
		want   string // "" for valid
	}{
		{60, ""}, {3600, ""}, {90, "multiple of 60"}, {30, "multiple of 60"}, {-60, "multiple of 60"},
	} {
		_, err := NewGrid(day1, now, now, tc.period, 60, "hours")
		if tc.want == "" && err != nil || tc.want != "" && !isInvalid(err, "period", tc.want) {
			t.Errorf("period %d: %v", tc.period, err)
		}
	}
	// Two days at one minute is 2,880 points: too many, and the message says what would do.
	if _, err := NewGrid(now.Add(-48*time.Hour), now, now, 60, 60, "hours"); !isInvalid(err, "period", "use 120 or more") {
		t.Errorf("too many points: %v", err)
	}
	if _, err := NewGrid(now, now.Add(-time.Hour), now, 0, 60, "start"); !isInvalid(err, "start", "not before end") {
		t.Errorf("start after end: %v", err)
	}
}

func isInvalid(err error, param, text string) bool {
	ce, ok := err.(*cloudscope.Error)
	return ok && ce.Code == cloudscope.CodeInvalid && ce.Param == param && strings.Contains(ce.Message, text)
}
