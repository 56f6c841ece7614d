package metricquery

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// MaxIDs bounds the resources of one request: 100 resources of the richest
// type make 800 queries, two GetMetricData calls.
const MaxIDs = 100

// MaxHours is CloudWatch's retention, 455 days, in hours.
const MaxHours = int64(MaxAge / time.Hour)

// ClockSkew is how far past the server's clock an end may be: a caller's
// clock a little ahead is not a mistake, a window in the future is.
const ClockSkew = 5 * time.Minute

// idShape is the form of a type's resource ids.
type idShape struct {
	re   *regexp.Regexp
	what string
}

// idShapes are the forms of resource ids per type, from the types'
// descriptors (as AWS documents them).
var idShapes = func() map[cloudscope.ResourceType]idShape {
	out := make(map[cloudscope.ResourceType]idShape, len(resourcetypes.All))
	for _, d := range resourcetypes.All {
		out[cloudscope.ResourceType(d.Name)] = idShape{regexp.MustCompile(d.ID.Pattern), d.ID.What}
	}
	return out
}()

// RequestInput is a metrics request as a caller gives it: text as typed,
// lists already split into values. Empty fields take their defaults.
type RequestInput struct {
	Type   string   // a resource type with metrics: ec2, rds, lambda, s3, ebs, nat, elb, dynamodb (required)
	IDs    []string // the resources' ids (required, at most MaxIDs)
	Region string   // the one region the resources are in (required)
	// Hours back from now (default 24), or Start and optionally End (RFC 3339).
	Hours, Start, End string
	Period            string   // seconds per point; default chosen for at most 200 points
	Stats             []string // keep only these statistics
	// Accounts is at most one 12-digit account id: the account the
	// resources are in (absent: the account of the credentials).
	Accounts []string
}

// NewRequest validates a request against CloudWatch's limits at now and
// builds it. Errors are invalid_parameter errors naming the parameter at
// fault (resource_type, resource_ids, region, stats, hours, start, end,
// period, accounts).
func NewRequest(in RequestInput, now time.Time) (Request, error) {
	var req Request
	if strings.TrimSpace(in.Type) == "" {
		return req, cloudscope.Invalid("resource_type", "required; one of: %s", cloudscope.TypeNames())
	}
	typ, err := cloudscope.ParseResourceType("resource_type", in.Type)
	if err != nil {
		return req, err
	}
	if len(Catalogue[typ]) == 0 {
		return req, cloudscope.Invalid("resource_type", "%s resources publish no CloudWatch metrics; types with metrics: %s", typ, strings.Join(typesWithMetrics(), ", "))
	}

	accounts, err := cloudscope.ParseAccountIDs("accounts", in.Accounts)
	if err != nil {
		return req, err
	}
	if len(accounts) > 1 {
		return req, cloudscope.Invalid("accounts", "one account per request: the account the resources are in")
	}
	if len(accounts) == 1 {
		req.Account = accounts[0]
	}

	ids, err := cloudscope.List("resource_ids", in.IDs, MaxIDs)
	if err != nil {
		return req, err
	}
	if len(ids) == 0 {
		return req, cloudscope.Invalid("resource_ids", "required: one or more ids of %s resources", typ)
	}
	shape := idShapes[typ]
	for _, id := range ids {
		if !shape.re.MatchString(id) {
			return req, cloudscope.Invalid("resource_ids", "%q is not %s", cloudscope.Clip(id), shape.what)
		}
		t := Target{Type: typ, ID: id}
		if typ == cloudscope.LoadBalancer {
			t.Kind = LoadBalancerKind(id)
		}
		req.Targets = append(req.Targets, t)
	}

	switch region := strings.TrimSpace(in.Region); {
	case strings.Contains(region, ","):
		return req, cloudscope.Invalid("region", "one region per request")
	case region == "":
		return req, cloudscope.Invalid("region", "required: the region the resources are in, such as us-east-1")
	default:
		if err := cloudscope.CheckRegionName("region", region); err != nil {
			return req, err
		}
		req.Region = region
	}

	if req.Stats, err = cloudscope.List("stats", in.Stats, cloudscope.MaxListValues); err != nil {
		return req, err
	}
	avail := AvailableStats(typ)
	for _, st := range req.Stats {
		if !slices.Contains(avail, st) {
			return req, cloudscope.Invalid("stats", "%q is not collected for %s; available: %s", cloudscope.Clip(st), typ, strings.Join(avail, ", "))
		}
	}

	start, end, startParam, err := parseTimes(in.Hours, in.Start, in.End, now)
	if err != nil {
		return req, err
	}
	var period int64
	if p := in.Period; p != "" {
		if period, err = strconv.ParseInt(p, 10, 32); err != nil {
			return req, cloudscope.Invalid("period", "%q is not a whole number of seconds", cloudscope.Clip(p))
		}
	}
	req.Window, err = NewGrid(start, end, now, int32(period), Floor[typ], startParam)
	return req, err
}

// typesWithMetrics lists the resource types with a catalogue, in
// cloudscope.ResourceTypes order.
func typesWithMetrics() []string {
	var out []string
	for _, t := range cloudscope.ResourceTypes {
		if len(Catalogue[t]) > 0 {
			out = append(out, string(t))
		}
	}
	return out
}

// parseTimes reads the window: hours back from now (default 24), or start and
// optionally end (RFC 3339). It returns the parameter that sets the start.
func parseTimes(hours, start, end string, now time.Time) (time.Time, time.Time, string, error) {
	if hours != "" && (start != "" || end != "") {
		return time.Time{}, time.Time{}, "", cloudscope.Invalid("hours", "give either hours or start (and end), not both")
	}
	if start == "" {
		if end != "" {
			return time.Time{}, time.Time{}, "", cloudscope.Invalid("end", "end needs a start")
		}
		h := int64(24)
		if hours != "" {
			var err error
			if h, err = strconv.ParseInt(hours, 10, 64); err != nil || h < 1 || h > MaxHours {
				return time.Time{}, time.Time{}, "", cloudscope.Invalid("hours", "%q: want a whole number of hours from 1 to %d (455 days, CloudWatch's retention)", cloudscope.Clip(hours), MaxHours)
			}
		}
		return now.Add(-time.Duration(h) * time.Hour), now, "hours", nil
	}
	s, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return time.Time{}, time.Time{}, "", cloudscope.Invalid("start", "%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", cloudscope.Clip(start))
	}
	e := now
	if end != "" {
		if e, err = time.Parse(time.RFC3339, end); err != nil {
			return time.Time{}, time.Time{}, "", cloudscope.Invalid("end", "%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", cloudscope.Clip(end))
		}
	}
	return s, e, "start", nil
}
