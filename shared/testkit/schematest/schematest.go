// Package schematest holds JSON documents to the JSON Schemas kept in the
// repository (draft 2020-12, formats asserted), for tests.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile compiles the first of schemas; the others are resources it may
// refer to. Each is registered under its own $id.
func Compile(schemas ...[]byte) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var first string
	for _, raw := range schemas {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		var head struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
			return nil, fmt.Errorf("a schema without an $id")
		}
		if err := c.AddResource(head.ID, doc); err != nil {
			return nil, err
		}
		if first == "" {
			first = head.ID
		}
	}
	return c.Compile(first)
}

// Validate fails t unless doc is valid against the first of schemas.
func Validate(t testing.TB, doc []byte, schemas ...[]byte) {
	t.Helper()
	sch, err := Compile(schemas...)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	if err := Check(sch, doc); err != nil {
		t.Errorf("%v\n%.2000s", err, doc)
	}
}

// Check is the validation error of doc against sch, or nil.
func Check(sch *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(inst)
}
