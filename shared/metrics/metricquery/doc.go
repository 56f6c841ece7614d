// Package metricquery holds what is asked of CloudWatch and what it answers
// -- requests, windows, results, the metric catalogue -- without the
// CloudWatch client that reads them (shared/metrics), so that the scan
// engine and the API link no AWS SDK service for them.
package metricquery
