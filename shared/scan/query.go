package scan

import (
	"slices"
	"strconv"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
)

// The sources of GET /bottlenecks: the newest stored snapshot, or an
// evaluation of the account now.
const (
	SourceLatest = "latest"
	SourceLive   = "live"
)

// FindingsQuery is what GET /bottlenecks asks: where the findings come from
// (Source), and which regions, accounts and severities it keeps (none: all).
type FindingsQuery struct {
	Source     string
	Regions    []string
	Accounts   []string
	Severities []cloudscope.Severity
}

// FindingsInput is the query's values as given, each list already split at
// its commas; NewFindingsQuery checks them.
type FindingsInput struct {
	Regions, Accounts, Severity []string
	Source                      string
}

// NewFindingsQuery checks in, in the order the parameters are listed
// (regions, accounts, severity, source); its errors are cloudscope.Invalid
// naming the parameter. Region names are checked for their shape: whether
// the account has them enabled is the caller's to ask.
func NewFindingsQuery(in FindingsInput) (FindingsQuery, error) {
	dq, err := resourcequery.NewQuery(in.Regions, nil) // the same region list as GET /resources
	if err != nil {
		return FindingsQuery{}, err
	}
	q := FindingsQuery{Regions: dq.Regions}
	if q.Accounts, err = cloudscope.ParseAccountIDs("accounts", in.Accounts); err != nil {
		return FindingsQuery{}, err
	}
	sev, err := cloudscope.List("severity", in.Severity, len(cloudscope.Severities))
	if err != nil {
		return FindingsQuery{}, err
	}
	for _, s := range sev {
		if !slices.Contains(cloudscope.Severities, cloudscope.Severity(s)) {
			names := make([]string, len(cloudscope.Severities))
			for i, s := range cloudscope.Severities {
				names[i] = string(s)
			}
			return FindingsQuery{}, cloudscope.Invalid("severity", "%q is not one of %s", cloudscope.Clip(s), strings.Join(names, ", "))
		}
		q.Severities = append(q.Severities, cloudscope.Severity(s))
	}
	switch in.Source {
	case "", SourceLatest:
		q.Source = SourceLatest
	case SourceLive:
		q.Source = SourceLive
	default:
		return FindingsQuery{}, cloudscope.Invalid("source", "%q is not latest or live", cloudscope.Clip(in.Source))
	}
	return q, nil
}

// InRegion reports whether the query keeps what is in region.
func (q FindingsQuery) InRegion(region string) bool {
	return len(q.Regions) == 0 || slices.Contains(q.Regions, region)
}

// Keeps reports whether the query keeps finding f (its account aside:
// cloudscope.Snapshot.InAccounts keeps those).
func (q FindingsQuery) Keeps(f cloudscope.Finding) bool {
	return q.InRegion(f.Region) && (len(q.Severities) == 0 || slices.Contains(q.Severities, f.Severity))
}

// DefaultListLimit and MaxListLimit bound the snapshot headers one
// GET /snapshots lists.
const (
	DefaultListLimit = 20
	MaxListLimit     = 100
)

// ParseListLimit reads GET /snapshots' limit: "" is DefaultListLimit.
func ParseListLimit(v string) (int, error) {
	if v == "" {
		return DefaultListLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxListLimit {
		return 0, cloudscope.Invalid("limit", "%q: want a whole number from 1 to %d", cloudscope.Clip(v), MaxListLimit)
	}
	return n, nil
}

// CheckID checks that id, given as parameter param, can name a scan or its
// snapshot (what names one).
func CheckID(param, id, what string) error {
	if !cloudscope.ValidScanID(id) {
		return cloudscope.Invalid(param, "%q is not a %s id", cloudscope.Clip(id), what)
	}
	return nil
}
