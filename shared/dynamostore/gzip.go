package dynamostore

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
)

// Large values (cost answers, snapshot chunks) are stored gzipped: JSON
// shrinks about tenfold, and an item holds at most 400 KB.

// gzipBytes compresses b.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gunzip decompresses b.
func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// gz is v as gzipped JSON.
func gz(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return gzipBytes(b)
}

// ungz decodes gzipped JSON into v.
func ungz(b []byte, v any) error {
	data, err := gunzip(b)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
