package discovery

import "time"

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
