package gzjson

import (
	"bytes"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := map[string][]int{"a": {1, 2, 3}, "b": nil}
	z, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string][]int
	if err := Unmarshal(z, &out); err != nil || len(out["a"]) != 3 || out["a"][2] != 3 {
		t.Fatalf("%v %v", out, err)
	}
	big := bytes.Repeat([]byte(`{"key":"value"},`), 10000)
	c, _ := Compress(big)
	if len(c) > len(big)/10 {
		t.Errorf("%d bytes compressed to %d", len(big), len(c))
	}
	if d, err := Decompress(c); err != nil || !bytes.Equal(d, big) {
		t.Errorf("round trip: %v", err)
	}
	if err := Unmarshal([]byte("not gzip"), &out); err == nil {
		t.Error("garbage decoded")
	}
}
