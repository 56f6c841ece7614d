package metricquery

import (
	"fmt"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

const (
	day = 24 * time.Hour
	// MaxAge is how far back CloudWatch keeps any data (hourly points, 455 days).
	MaxAge = 455 * day
	// MaxPoints is the most points one series may have (GetMetricStatistics'
	// limit, and more than any chart can show).
	MaxPoints = 1440
	// autoPoints is the most points an automatically chosen period gives. It
	// is also what keeps a full batch within one call: 500 queries x 201
	// points fit GetMetricData's 100,800 datapoints.
	autoPoints = 200
)

// resolution returns the finest period CloudWatch still keeps for data
// that is age old: 1-minute points for 15 days, 5-minute for 63, hourly for 455.
func resolution(age time.Duration) int32 {
	switch {
	case age <= 15*day:
		return 60
	case age <= 63*day:
		return 300
	}
	return 3600
}

// nicePeriods are the periods an automatic choice picks from; each is a
// multiple of the resolution it can be used at.
var nicePeriods = []int32{60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}

// Grid is the time range and period of a metrics request.
type Grid struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Period int32     `json:"period"`
}

// Points is the number of periods in the window.
func (w Grid) Points() int {
	secs := int64(w.End.Sub(w.Start) / time.Second)
	p := int64(w.Period)
	return int((secs + p - 1) / p)
}

// NewGrid checks a window against CloudWatch's retention and picks its
// period: the given one, validated, or (period 0) the smallest that keeps a
// series within 200 points, no finer than floor seconds (the resolution a
// resource type publishes at) nor than what CloudWatch keeps for the start.
// startParam names the parameter to blame for a bad start ("hours" or "start").
// An end later than now (beyond ClockSkew) is refused: CloudWatch has no
// data there, and refuses some such windows itself.
func NewGrid(start, end, now time.Time, period, floor int32, startParam string) (Grid, error) {
	// All three to the second, so that a start exactly MaxAge before now
	// (hours=10920) stays within it.
	start, end, now = start.UTC().Truncate(time.Second), end.UTC().Truncate(time.Second), now.UTC().Truncate(time.Second)
	if end.After(now.Add(ClockSkew)) {
		return Grid{}, cloudscope.Invalid("end", "%s is in the future (now is %s): CloudWatch has no data there yet", end.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if !start.Before(end) {
		return Grid{}, cloudscope.Invalid(startParam, "the window is empty: start %s is not before end %s", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	age := now.Sub(start)
	if age > MaxAge {
		return Grid{}, cloudscope.Invalid(startParam, "start %s is older than CloudWatch keeps data (455 days)", start.Format(time.RFC3339))
	}
	res := resolution(age)
	w := Grid{Start: start, End: end, Period: period}
	if period == 0 {
		// Aligned to the period, as CloudWatch answers fastest; the point
		// this may add keeps a full batch within one call (500 x 201 points).
		w.Period = autoPeriod(end.Sub(start), max(floor, res))
		w.Start = start.Truncate(time.Duration(w.Period) * time.Second)
		return w, nil
	}
	w.Start = start.Truncate(time.Duration(period) * time.Second)
	if period < 60 || period%60 != 0 {
		return Grid{}, cloudscope.Invalid("period", "%d is not a multiple of 60 seconds", period)
	}
	if period%res != 0 {
		return Grid{}, cloudscope.Invalid("period", "CloudWatch keeps data %s old at %d-second resolution: the period must be a multiple of %d",
			age.Round(time.Hour), res, res)
	}
	if n := w.Points(); n > MaxPoints {
		return Grid{}, cloudscope.Invalid("period", "a period of %d s gives %d points over this window; at most %d are allowed (use %d or more)",
			period, n, MaxPoints, minPeriodFor(end.Sub(start), MaxPoints, res))
	}
	return w, nil
}

func autoPeriod(span time.Duration, floor int32) int32 {
	for _, p := range nicePeriods {
		if p >= floor && pointsIn(span, p) <= autoPoints {
			return p
		}
	}
	// Longer than 200 days: whole days.
	days := int32((span + day*autoPoints - 1) / (day * autoPoints))
	return days * 86400
}

func pointsIn(span time.Duration, period int32) int64 {
	secs, p := int64(span/time.Second), int64(period)
	return (secs + p - 1) / p
}

// minPeriodFor is the smallest multiple of res giving at most limit points.
func minPeriodFor(span time.Duration, limit int, res int32) int32 {
	secs := int64(span / time.Second)
	p := (secs + int64(limit) - 1) / int64(limit)
	r := int64(res)
	return int32((p + r - 1) / r * r)
}

// Trailing is the window of days whole days ending at end (a whole hour:
// the scan's windows end at the last whole hour), read at period seconds:
// every window a scan reads of its rules' metrics is built here.
func Trailing(end time.Time, days int, period int32) Grid {
	return Grid{Start: end.Add(-time.Duration(days) * day), End: end, Period: period}
}

// String describes the window for logs and tables.
func (w Grid) String() string {
	return fmt.Sprintf("%s to %s every %ds", w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339), w.Period)
}
