package anomaly

import (
	"math/rand/v2"
	"testing"
)

// weekly is days days of spend with weekly seasonality: weekdays at
// weekday, weekends at weekend, each within +-noise of it (a fixed seed).
func weekly(days int, weekday, weekend, noise float64) []float64 {
	r := rand.New(rand.NewPCG(7, 11))
	v := make([]float64, days)
	for i := range v {
		base := weekday
		if i%7 == 5 || i%7 == 6 {
			base = weekend
		}
		v[i] = base * (1 - noise + 2*noise*r.Float64())
	}
	return v
}

func TestDetect(t *testing.T) {
	const days = 56
	spike := weekly(days, 100, 30, 0.05)
	spike[days-1] *= 3
	shift := weekly(days, 100, 100, 0.05)
	for i := 45; i < days; i++ {
		shift[i] *= 2
	}
	newService := make([]float64, days)
	newService[days-2], newService[days-1] = 40, 42
	small := weekly(days, 2, 2, 0.05)
	small[days-1] *= 3
	flat := make([]float64, days)
	for i := range flat {
		flat[i] = 50
	}
	flatSpike := append([]float64(nil), flat...)
	flatSpike[days-1] = 80
	// A weekly batch: two days a week at 100, the others at 30. A baseline
	// of every day (median 30) would flag each batch day; the same
	// weekday's median does not.
	seasonalWeekend := weekly(days, 30, 100, 0.05)

	tests := []struct {
		name   string
		values []float64
		want   []Kind // the episodes' kinds, in order
		open   bool   // whether the last episode is open
		days   int    // the last episode's days
	}{
		{name: "weekly seasonality, no false positive", values: seasonalWeekend},
		{name: "a 3x spike is found", values: spike, want: []Kind{Spike}, open: true, days: 1},
		{name: "a level shift alerts once", values: shift, want: []Kind{LevelShift}, days: 3},
		{name: "a new service is new spend", values: newService, want: []Kind{NewSpend}, days: 1},
		{name: "a service under the dollar floor is ignored", values: small},
		{name: "a flat series (MAD 0) does not flag itself", values: flat},
		{name: "a flat series' rise is found (the fallback scale)", values: flatSpike, want: []Kind{Spike}, open: true, days: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eps := Detect(Series{Values: tc.values}, DefaultFloors)
			if len(eps) != len(tc.want) {
				t.Fatalf("%d episodes %+v, want %v", len(eps), eps, tc.want)
			}
			for i, ep := range eps {
				if ep.Kind != tc.want[i] {
					t.Errorf("episode %d is %s, want %s", i, ep.Kind, tc.want[i])
				}
			}
			if len(eps) == 0 {
				return
			}
			last := eps[len(eps)-1]
			if last.Open != tc.open || len(last.Days) != tc.days {
				t.Errorf("last episode open %v with %d days, want %v with %d", last.Open, len(last.Days), tc.open, tc.days)
			}
		})
	}
}

func TestDetectSpikeFigures(t *testing.T) {
	v := weekly(56, 100, 100, 0)
	v[55] = 300
	eps := Detect(Series{Values: v}, DefaultFloors)
	if len(eps) != 1 {
		t.Fatalf("episodes %+v", eps)
	}
	d := eps[0].Days[0]
	if d.Index != 55 || d.Actual != 300 || d.Expected != 100 || d.Score < ZThreshold {
		t.Errorf("day %+v: want index 55, 300 against 100, score above %v", d, ZThreshold)
	}
}

func TestDetectFloors(t *testing.T) {
	base := weekly(56, 100, 100, 0.02)
	tests := []struct {
		name  string
		last  float64
		f     Floors
		found bool
	}{
		{"a 15% rise is under the percentage floor", 115, DefaultFloors, false},
		{"a 25% rise passes both floors", 125, DefaultFloors, true},
		{"the dollar floor is a setting", 125, Floors{MinExcess: 50, MinRatio: 0.2}, false},
		{"the percentage floor is a setting", 115, Floors{MinExcess: 10, MinRatio: 0.1}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := append([]float64(nil), base...)
			v[55] = tc.last
			if got := len(Detect(Series{Values: v}, tc.f)) == 1; got != tc.found {
				t.Errorf("found %v, want %v", got, tc.found)
			}
		})
	}
}

func TestDetectPartialToday(t *testing.T) {
	v := weekly(57, 100, 100, 0.02)
	v[55] = 300
	v[56] = 20 // today, a few hours in
	if eps := Detect(Series{Values: v, PartialLast: true}, DefaultFloors); len(eps) != 1 || !eps[0].Open {
		t.Errorf("a spike yesterday with today under way: %+v, want one open episode", eps)
	}
	if eps := Detect(Series{Values: v}, DefaultFloors); len(eps) != 1 || eps[0].Open {
		t.Errorf("a spike followed by a whole normal day: %+v, want one closed episode", eps)
	}
}

func TestModifiedZ(t *testing.T) {
	// Iglewicz and Hoaglin's worked form: residuals 1..5 have median 3 and
	// MAD 1, so a residual of 10 scores 0.6745 x 7 / 1.
	got := modifiedZ(10, []float64{1, 2, 3, 4, 5})
	if want := 0.6745 * 7; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("modified z %v, want %v", got, want)
	}
	// MAD 0: the mean absolute deviation (0.4) x 1.253314 is the scale.
	got = modifiedZ(3, []float64{0, 0, 0, 0, 2})
	if want := 3 / (1.253314 * 0.4); got < want-1e-9 || got > want+1e-9 {
		t.Errorf("fallback z %v, want %v", got, want)
	}
}
