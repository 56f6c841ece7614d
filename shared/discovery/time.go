package discovery

import (
	"regexp"
	"time"
)

// parseLambdaTime parses Lambda's LastModified, an ISO 8601 time with a
// numeric zone and no colon ("2026-01-02T15:04:05.000+0000").
func parseLambdaTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Parse(time.RFC3339, s)
}

var transition = regexp.MustCompile(`\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)`)

// transitionTime reads the time out of EC2's StateTransitionReason, such as
// "User initiated (2026-01-02 15:04:05 GMT)"; nil when it has none.
func transitionTime(reason string) *time.Time {
	m := transition.FindStringSubmatch(reason)
	if m == nil {
		return nil
	}
	t, err := time.Parse("2006-01-02 15:04:05", m[1])
	if err != nil {
		return nil
	}
	return &t
}
