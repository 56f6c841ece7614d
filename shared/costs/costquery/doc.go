// Package costquery holds the cost questions and their answers -- queries,
// reports, forecasts -- without the Cost Explorer client that asks them
// (shared/costs), so that the scan engine, the API and the anomalies link no
// AWS SDK service for them.
package costquery
