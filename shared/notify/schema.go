package notify

import _ "embed"

// The JSON Schemas of what the notifications carry: the findings and
// digest documents programs get, and the chat notification's fields. The
// README documents them; the tests hold the rendered bodies to them.
var (
	//go:embed findings.schema.json
	FindingsSchema []byte
	//go:embed digest.schema.json
	DigestSchema []byte
	//go:embed chat.schema.json
	ChatSchema []byte
)
