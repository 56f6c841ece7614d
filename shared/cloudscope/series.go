package cloudscope

import "time"

// Point is one datapoint of a time series. A missing datapoint is simply
// absent from its series: it is never filled in with zero.
type Point struct {
	T time.Time `json:"t"`
	V float64   `json:"v"`
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
