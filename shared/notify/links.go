package notify

import (
	"net/url"
	"strings"
)

// Links are the dashboard's addresses for what a message tells of: routes
// in the page's hash (#<panel>?<parameters>), which the page reads at load
// and on every hash change (shared/dashboard/assets/app.js):
//
//	#bottlenecks                     the newest snapshot's findings
//	#bottlenecks?finding=<id>        that finding, scrolled to and highlighted
//	#history?snapshot=<id>           that snapshot in the list of snapshots
//	#history?base=<id>&head=<id>     what changed from base to head
//
// Without a dashboard address every link is "".
type Links struct{ base string }

// NewLinks returns the links into the dashboard at dashboardURL ("" for
// none). Any fragment of the address is dropped; a bare host gets its "/".
func NewLinks(dashboardURL string) Links {
	s := strings.TrimSpace(dashboardURL)
	if s == "" {
		return Links{}
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if u, err := url.Parse(s); err == nil && u.Path == "" && u.RawQuery == "" {
		s += "/"
	}
	return Links{base: s}
}

// Enabled reports whether there is a dashboard to link to.
func (l Links) Enabled() bool { return l.base != "" }

func (l Links) route(panel string, q url.Values) string {
	if l.base == "" {
		return ""
	}
	s := l.base + "#" + panel
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// Findings is the newest snapshot's findings.
func (l Links) Findings() string { return l.route("bottlenecks", nil) }

// Finding is one finding (its id is stable from scan to scan).
func (l Links) Finding(id string) string {
	return l.route("bottlenecks", url.Values{"finding": {id}})
}

// Snapshot is one snapshot among the stored ones.
func (l Links) Snapshot(id string) string {
	if id == "" {
		return ""
	}
	return l.route("history", url.Values{"snapshot": {id}})
}

// Diff is what changed from snapshot base to snapshot head; "" without both.
func (l Links) Diff(base, head string) string {
	if base == "" || head == "" {
		return ""
	}
	return l.route("history", url.Values{"base": {base}, "head": {head}})
}

// DocLinks are a document's links; each is left out when there is no
// dashboard (or nothing to link to).
type DocLinks struct {
	Dashboard string `json:"dashboard,omitempty"`
	Snapshot  string `json:"snapshot,omitempty"`
	Diff      string `json:"diff,omitempty"`
}
