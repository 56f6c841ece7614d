package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/metrics"
)

// Metrics is what the metrics route needs.
type Metrics interface {
	Fetch(ctx context.Context, req metrics.Request) (*metrics.Result, error)
}

// MaxMetricIDs bounds the resources of one metrics request: 100 resources of
// the richest type make 800 queries, two GetMetricData calls.
const MaxMetricIDs = 100

// MaxHours is CloudWatch's retention, 455 days, in hours.
const MaxHours = 455 * 24

// idShapes are the forms of resource ids per type, as AWS documents them.
var idShapes = map[cloudscope.ResourceType]struct {
	re   *regexp.Regexp
	what string
}{
	cloudscope.EC2:    {regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`), "an instance id such as i-0123456789abcdef0"},
	cloudscope.RDS:    {regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,62}$`), "a DB instance identifier (a letter, then letters, digits and hyphens)"},
	cloudscope.Lambda: {regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`), "a function name (letters, digits, hyphens and underscores)"},
	cloudscope.S3:     {regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`), "a bucket name"},
}

// ParseMetricsQuery turns the query string of GET /metrics into a metrics request.
func ParseMetricsQuery(raw string, now time.Time) (metrics.Request, error) {
	q, err := parseQuery(raw, "resource_type", "resource_ids", "region", "hours", "start", "end", "period", "stats")
	if err != nil {
		return metrics.Request{}, err
	}
	var req metrics.Request

	typ := cloudscope.ResourceType(strings.ToLower(strings.TrimSpace(q.Get("resource_type"))))
	if typ == "" {
		return req, cloudscope.Invalid("resource_type", "required; one of: %s", joinTypes(cloudscope.ResourceTypes))
	}
	if !typ.Valid() {
		return req, cloudscope.Invalid("resource_type", "unknown resource type %q; allowed: %s", truncate(string(typ)), joinTypes(cloudscope.ResourceTypes))
	}

	ids, err := listParam(q, "resource_ids", MaxMetricIDs)
	if err != nil {
		return req, err
	}
	if len(ids) == 0 {
		return req, cloudscope.Invalid("resource_ids", "required: one or more ids of %s resources", typ)
	}
	shape := idShapes[typ]
	for _, id := range ids {
		if !shape.re.MatchString(id) {
			return req, cloudscope.Invalid("resource_ids", "%q is not %s", truncate(id), shape.what)
		}
		req.Targets = append(req.Targets, metrics.Target{Type: typ, ID: id})
	}

	switch region := strings.TrimSpace(q.Get("region")); {
	case len(q["region"]) > 1 || strings.Contains(region, ","):
		return req, cloudscope.Invalid("region", "one region per request")
	case region == "":
		return req, cloudscope.Invalid("region", "required: the region the resources are in, such as us-east-1")
	case !cloudscope.ValidRegionName(region):
		return req, cloudscope.Invalid("region", "%q is not a region name (expected a name such as us-east-1)", truncate(region))
	default:
		req.Region = region
	}

	if req.Stats, err = listParam(q, "stats", MaxListValues); err != nil {
		return req, err
	}
	avail := metrics.AvailableStats(typ)
	for _, st := range req.Stats {
		if !slices.Contains(avail, st) {
			return req, cloudscope.Invalid("stats", "%q is not collected for %s; available: %s", truncate(st), typ, strings.Join(avail, ", "))
		}
	}

	start, end, startParam, err := parseTimes(q.Get("hours"), q.Get("start"), q.Get("end"), now)
	if err != nil {
		return req, err
	}
	var period int64
	if p := q.Get("period"); p != "" {
		if period, err = strconv.ParseInt(p, 10, 32); err != nil {
			return req, cloudscope.Invalid("period", "%q is not a whole number of seconds", truncate(p))
		}
	}
	req.Window, err = metrics.NewWindow(start, end, now, int32(period), metrics.Floor[typ], startParam)
	return req, err
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
				return time.Time{}, time.Time{}, "", cloudscope.Invalid("hours", "%q: want a whole number of hours from 1 to %d (455 days, CloudWatch's retention)", truncate(hours), MaxHours)
			}
		}
		return now.Add(-time.Duration(h) * time.Hour), now, "hours", nil
	}
	s, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return time.Time{}, time.Time{}, "", cloudscope.Invalid("start", "%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", truncate(start))
	}
	e := now
	if end != "" {
		if e, err = time.Parse(time.RFC3339, end); err != nil {
			return time.Time{}, time.Time{}, "", cloudscope.Invalid("end", "%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", truncate(end))
		}
	}
	return s, e, "start", nil
}

func (a *api) metrics(w http.ResponseWriter, r *http.Request) error {
	req, err := ParseMetricsQuery(r.URL.RawQuery, a.now())
	if err != nil {
		return err
	}
	res, err := a.deps.Metrics.Fetch(r.Context(), req)
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "metrics", "resources", len(res.Resources), "queries", res.Queries, "cloudwatch_calls", res.Calls)
	return ok(w, res)
}
