package cloudscope

import (
	"encoding/json"
	"time"
)

// Point is one datapoint of a time series. A missing datapoint is simply
// absent from its series: it is never filled in with zero.
type Point struct {
	T Timestamp `json:"t"`
	V float64   `json:"v"`
}

// Timestamp is a point's time in milliseconds since the Unix epoch. Unlike
// time.Time it holds no pointer, so the millions of points of a large scan
// cost the garbage collector nothing to scan. JSON shows it in RFC 3339, UTC.
type Timestamp int64

// At is the Timestamp of t.
func At(t time.Time) Timestamp { return Timestamp(t.UnixMilli()) }

// Time is the timestamp as a time.Time in UTC.
func (ts Timestamp) Time() time.Time { return time.UnixMilli(int64(ts)).UTC() }

// MarshalJSON writes the time in RFC 3339.
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(ts.Time().Format(time.RFC3339Nano))
}

// UnmarshalJSON reads an RFC 3339 time.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*ts = At(t)
	return nil
}

// MetricSeries is one CloudWatch metric of one resource, with a series per statistic.
type MetricSeries struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Unit      string `json:"unit"`
	// Period is the seconds each point covers.
	Period int32 `json:"period"`
	// Stats maps a statistic ("Average", "Maximum", "Sum", "p99") to its
	// points, sorted by time.
	Stats map[string][]Point `json:"stats"`
}

// ResourceMetrics is every metric of one resource. HasData is false when
// CloudWatch returned no datapoint at all for it, which is not the same as
// a resource that was measured and found idle.
type ResourceMetrics struct {
	Type    ResourceType   `json:"type"`
	ID      string         `json:"id"`
	HasData bool           `json:"has_data"`
	Metrics []MetricSeries `json:"metrics"`
}
