// Package gzjson stores values as gzipped JSON: the stores keep snapshot
// chunks and cost answers so (JSON shrinks about tenfold, and a DynamoDB
// item holds at most 400 KB).
package gzjson

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"sync"
)

// writers are gzip writers to reuse: each holds some 800 KB of
// compression state, and a sharded scan's parts compress 100,000 chunks.
var writers = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// Compress gzips b.
func Compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := writers.Get().(*gzip.Writer)
	defer writers.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decompress gunzips b.
func Decompress(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Marshal is v as gzipped JSON.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Compress(b)
}

// Unmarshal decodes gzipped JSON into v.
func Unmarshal(b []byte, v any) error {
	data, err := Decompress(b)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
