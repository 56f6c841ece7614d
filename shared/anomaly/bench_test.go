package anomaly

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/kv"
)

const (
	benchAccounts = 1000
	benchServices = 40
	benchDays     = 56
)

// BenchmarkDetectOrganization judges 1,000 accounts x 40 services x 56
// days of weekly-seasonal spend (one spike in a hundred series): the
// detector alone.
func BenchmarkDetectOrganization(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	series := make([]Series, benchAccounts*benchServices)
	for i := range series {
		level := 5 + 200*r.Float64()
		v := make([]float64, benchDays)
		for d := range v {
			v[d] = level * (0.9 + 0.2*r.Float64())
			if d%7 >= 5 {
				v[d] *= 0.6
			}
		}
		if i%100 == 0 {
			v[benchDays-1] *= 3
		}
		series[i] = Series{Values: v}
	}
	var found int
	cpu := cpuTime()
	for b.Loop() {
		found = 0
		for _, s := range series {
			found += len(Detect(s, DefaultFloors))
		}
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(series)), "series")
	b.ReportMetric(float64(found), "anomalies")
}

// cpuTime is the process's CPU time so far: on a machine shared with other
// work the wall time says little, the CPU time what the work takes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvaluateOrganization is the finalize's whole evaluation of
// 1,000 accounts x 40 services x 56 days: the report (exact amounts, as
// the cost cache hands it back) split into series, judged, and the
// anomalies stored in memory.
func BenchmarkEvaluateOrganization(b *testing.B) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	q := Query(now, true)
	start, _ := time.Parse(costquery.DateLayout, q.Start)
	rep := &costquery.Report{Query: q, Currency: "USD"}
	r := rand.New(rand.NewPCG(1, 2))
	levels := make([]float64, benchAccounts*benchServices)
	for i := range levels {
		levels[i] = 5 + 200*r.Float64()
	}
	for d := 0; d < benchDays; d++ {
		day := start.AddDate(0, 0, d+1) // the 56 whole days before today
		p := costquery.Period{Start: day.Format(costquery.DateLayout), End: day.AddDate(0, 0, 1).Format(costquery.DateLayout), Groups: make(map[string]cloudscope.Amount, len(levels))}
		for i, level := range levels {
			v := level * (0.9 + 0.2*r.Float64())
			if d%7 >= 5 {
				v *= 0.6
			}
			if i%100 == 0 && d == benchDays-1 {
				v *= 3
			}
			amt, _ := cloudscope.ParseAmount(fmt.Sprintf("%.4f", v))
			p.Groups[fmt.Sprintf("%012d, service-%02d", i/benchServices, i%benchServices)] = amt
		}
		rep.Periods = append(rep.Periods, p)
	}
	svc := New(kv.NewMemory(nil), nil, nil, Options{Now: func() time.Time { return now }})
	var res *Result
	cpu := cpuTime()
	for b.Loop() {
		var err error
		if res, err = svc.Evaluate(context.Background(), rep, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(res.Series), "series")
	b.ReportMetric(float64(len(res.Anomalies)), "anomalies")
}
