package pagecursor_test

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/pagecursor"
)

func TestACursorReadsBackAndNonsenseIsRefused(t *testing.T) {
	type pos struct {
		After  string `json:"a"`
		Offset int    `json:"o"`
	}
	s := pagecursor.Encode(pos{After: "f#1/2", Offset: 7})
	got, err := pagecursor.Decode[pos](s)
	if err != nil || *got != (pos{After: "f#1/2", Offset: 7}) {
		t.Fatalf("%q read back as %+v, %v", s, got, err)
	}
	for _, bad := range []string{"!!", "bm90IGpzb24"} { // not base64; base64 of "not json"
		if _, err := pagecursor.Decode[pos](bad); err == nil {
			t.Errorf("%q was taken for a cursor", bad)
		}
	}
}
