package cloudscope

// Shard is one unit of a scan's work: one account's one region, or part of
// it (a subset of the types) when an account-region is too big for one
// unit. The state machine's Distributed Map runs one shard per item; the
// local worker pool runs the same shards in-process.
type Shard struct {
	ScanID    string `json:"scan_id"`
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	// Types limits the shard to some resource types (empty: every type).
	Types []ResourceType `json:"types,omitempty"`
}
