// Package resourcequery holds what discovery is asked and what it finds --
// queries, region filters, options, inventories -- without the AWS clients
// that list resources (shared/discovery), so that the scan engine, the API,
// the stored inventory and the configuration link no AWS SDK service for
// them.
package resourcequery
