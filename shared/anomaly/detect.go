// Package anomaly finds spend anomalies in the daily cost series the day
// the bill data lands, explains each by what changed in the stored
// inventory that day (priced at list price for the hours it ran), and keeps
// them as records on the key-value contract (shared/kv).
//
// The method, in plain words: a day's expected spend is the median of the
// same weekday over the last 4 to 8 weeks (a weekly seasonal baseline, as
// in Hochenbaum, Vallis and Kejariwal, "Automatic Anomaly Detection in the
// Cloud Via Statistical Learning", arXiv:1704.07706, which pairs the
// median with the median absolute deviation because both ignore the
// outliers they are looking for). Its distance from that baseline is
// scaled by the median absolute deviation (MAD) of the residuals of the
// previous 28 days and read as Iglewicz and Hoaglin's modified z-score,
// 0.6745 x (residual - median residual) / MAD, flagged above 3.5 (B.
// Iglewicz and D. Hoaglin, "How to Detect and Handle Outliers", ASQC
// Quality Press, 1993). When the MAD is 0 (more than half the days equal)
// the mean absolute deviation x 1.253314 stands in for it, as the same
// authors' successors (IBM SPSS) do; when that is 0 too any rise scores
// as far as it goes. A day is an anomaly only if it also rises above
// floors in dollars and in percent, so that small services page no one.
// Three flagged days in a row are a level shift: reported once, then the
// new level is the normal. A series with no spend before is new spend,
// reported the first day, without a history.
package anomaly

import (
	"math"
	"slices"
)

// The method's constants, with their sources (see the package comment).
const (
	// ZThreshold is Iglewicz and Hoaglin's cut-off for the modified z-score.
	ZThreshold = 3.5
	// madScale turns a MAD into a standard deviation's scale for normal
	// data (0.6745 is the 0.75 quantile of the standard normal).
	madScale = 0.6745
	// meanADScale is the fallback's factor when the MAD is 0: the mean
	// absolute deviation times sqrt(pi/2) estimates the same scale.
	meanADScale = 1.253314
	// MinWeeks and MaxWeeks bound the same-weekday history of the baseline.
	MinWeeks = 4
	MaxWeeks = 8
	// ScaleDays is the window of residuals whose MAD is the scale.
	ScaleDays = 28
	// ShiftDays flagged days in a row make a level shift.
	ShiftDays = 3
	// youngPoints is the least history a series since its start (or since
	// a level shift) needs before its days are judged against its median.
	youngPoints = 3
	// scoreCap bounds a score whose scale is 0 (a flat series' rise).
	scoreCap = 1e6
)

// Floors are what a flagged day must also exceed to be an anomaly.
type Floors struct {
	// MinExcess is the least rise over the baseline, in the bill's
	// currency a day (default 10).
	MinExcess float64
	// MinRatio is the least rise as a share of the baseline (default 0.2).
	MinRatio float64
}

// DefaultFloors are the floors' defaults: 10 USD a day and 20%.
var DefaultFloors = Floors{MinExcess: 10, MinRatio: 0.2}

// Series is one daily cost series, oldest day first, every day present
// (0 when nothing was spent).
type Series struct {
	Values    []float64
	Estimated []bool // per day; nil: none
	// PartialLast says that the last day is still under way (today): a
	// rise on it is flagged, but a day below normal ends nothing yet.
	PartialLast bool
}

// Day is one judged day of an episode.
type Day struct {
	Index    int
	Actual   float64
	Expected float64
	Score    float64
}

// Kind is an episode's kind (cloudscope.AnomalyKind's values).
type Kind string

// The kinds of episode.
const (
	Spike      Kind = "spike"
	LevelShift Kind = "level_shift"
	NewSpend   Kind = "new_spend"
)

// Episode is a run of flagged days of one series.
type Episode struct {
	Kind Kind
	Days []Day
	// Open says that it runs to the series' latest day: still going on.
	Open bool
}

// Detect returns the episodes of s, oldest first. It is pure.
func Detect(s Series, f Floors) []Episode {
	v := s.Values
	n := len(v)
	first := slices.IndexFunc(v, func(x float64) bool { return x != 0 })
	if first < 0 {
		return nil
	}
	var eps []Episode
	regime := 0 // the first day of the series' current normal
	if first > 0 {
		// Nothing spent on the window's earlier days: new spend.
		if v[first] >= f.MinExcess {
			eps = append(eps, Episode{Kind: NewSpend, Days: []Day{{Index: first, Actual: v[first]}}, Open: first == n-1})
		}
		regime = first
	}
	b := &baselines{v: v, young: first > 0}
	var run *Episode
	for d := regime + 1; d < n; d++ {
		expected, score, ok := b.judge(regime, d)
		excess := v[d] - expected
		flagged := ok && score > ZThreshold && excess >= f.MinExcess && (expected <= 0 || excess/expected >= f.MinRatio)
		switch {
		case flagged:
			if run == nil {
				run = &Episode{Kind: Spike}
			}
			run.Days = append(run.Days, Day{Index: d, Actual: v[d], Expected: expected, Score: score})
			if len(run.Days) == ShiftDays {
				// The new normal: told once, then the baseline follows it.
				run.Kind = LevelShift
				eps = append(eps, *run)
				regime, run = run.Days[0].Index, nil
				b.reset()
				b.young = true
			}
		case run != nil && d == n-1 && s.PartialLast:
			// Today's partial spend below normal ends nothing yet.
		case run != nil:
			eps = append(eps, *run)
			run = nil
		}
	}
	if run != nil {
		run.Open = true
		eps = append(eps, *run)
	}
	return eps
}

// baselines computes each day's seasonal baseline once per regime.
type baselines struct {
	v      []float64
	season []float64 // the same-weekday median of each day; NaN: none
	buf    []float64
	res    []float64
	// young says the regime began inside the window (new spend, a level
	// shift): its days are judged against its median until it has weeks
	// of its own. An old series' first weeks in the window are not judged.
	young bool
}

func (b *baselines) reset() { b.season = nil }

// seasonal is the median of day t's same weekday over the last MaxWeeks
// weeks since regime, and how many weeks it had.
func (b *baselines) seasonal(regime, t int) (float64, int) {
	b.buf = b.buf[:0]
	for w := 1; w <= MaxWeeks; w++ {
		u := t - 7*w
		if u < regime {
			break
		}
		b.buf = append(b.buf, b.v[u])
	}
	if len(b.buf) == 0 {
		return math.NaN(), 0
	}
	return median(b.buf), len(b.buf)
}

// judge returns day d's expected spend and modified z-score; ok is false
// when the series has too little history to judge it.
func (b *baselines) judge(regime, d int) (expected, score float64, ok bool) {
	b.res = b.res[:0]
	if d-regime >= 7*MinWeeks {
		// Seasonal: the same weekday over 4 to 8 weeks; the scale from the
		// residuals of the previous 28 days against their own baselines.
		if b.season == nil {
			b.season = make([]float64, len(b.v))
			for i := range b.season {
				b.season[i] = math.NaN()
			}
		}
		expected, weeks := b.seasonal(regime, d)
		if weeks < MinWeeks {
			return 0, 0, false
		}
		for t := max(regime, d-ScaleDays); t < d; t++ {
			if math.IsNaN(b.season[t]) {
				b.season[t], _ = b.seasonal(regime, t)
			}
			if !math.IsNaN(b.season[t]) {
				b.res = append(b.res, b.v[t]-b.season[t])
			}
		}
		return expected, modifiedZ(b.v[d]-expected, b.res), true
	}
	// Young (a new series, or since a level shift): the median of its
	// days so far, and their deviation from it.
	if !b.young || d-regime < youngPoints {
		return 0, 0, false
	}
	b.buf = append(b.buf[:0], b.v[regime:d]...)
	expected = median(b.buf)
	for _, x := range b.v[regime:d] {
		b.res = append(b.res, x-expected)
	}
	return expected, modifiedZ(b.v[d]-expected, b.res), true
}

// modifiedZ is Iglewicz and Hoaglin's modified z-score of residual r among
// residuals res (which it reorders), with the mean absolute deviation
// standing in for a MAD of 0.
func modifiedZ(r float64, res []float64) float64 {
	if len(res) == 0 {
		return 0
	}
	m := median(res)
	meanAD := 0.0
	for i, x := range res {
		res[i] = math.Abs(x - m)
		meanAD += res[i]
	}
	meanAD /= float64(len(res))
	dev := r - m
	if mad := median(res); mad > 0 {
		return capped(madScale * dev / mad)
	}
	if meanAD > 0 {
		return capped(dev / (meanADScale * meanAD))
	}
	switch {
	case dev > 0:
		return scoreCap
	case dev < 0:
		return -scoreCap
	}
	return 0
}

func capped(z float64) float64 { return math.Max(-scoreCap, math.Min(scoreCap, z)) }

// median of xs, which it reorders (an insertion sort: the windows hold
// 8 to 28 values, where it beats the general sort).
func median(xs []float64) float64 {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
