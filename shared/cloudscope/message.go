package cloudscope

// Message is one notification: a subject, a readable body with the JSON
// detail at its end, and attributes subscribers can filter on.
type Message struct {
	Subject    string
	Body       string
	Attributes map[string]string // highest_severity, new_findings, critical, warning, info
}
