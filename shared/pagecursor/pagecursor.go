// Package pagecursor writes and reads the opaque cursors of paged lists:
// a list's own position record, as URL-safe base64 of its JSON, so that a
// client passes it back untouched.
package pagecursor

import (
	"encoding/base64"
	"encoding/json"
)

// Encode is c as a cursor.
func Encode[T any](c T) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor that Encode wrote.
func Decode[T any](s string) (*T, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
