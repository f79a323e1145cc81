package attachments_test

import (
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

func TestCheckParts(t *testing.T) {
	one, two := []byte("attachment one"), []byte("attachment two")
	h1, h2 := sha256Hex(one), sha256Hex(two)
	part := func(index int, sha2 string) *attachments.Part {
		return &attachments.Part{Index: index, SHA2: sha2}
	}
	sub := func(atts ...map[string]any) map[string]any {
		st := statement()
		inner := statement(atts...)
		inner["objectType"] = "SubStatement"
		st["object"] = inner
		return st
	}
	tests := []struct {
		name     string
		doc      any
		parts    []*attachments.Part
		contains string // "" when the check passes
		pointer  string
	}{
		{name: "no attachments, no parts", doc: statement()},
		{name: "one part per attachment", doc: statement(att(h1, ""), att(h2, "")), parts: []*attachments.Part{part(1, h1), part(2, h2)}},
		{name: "fileUrl-only attachments need no part", doc: []any{statement(att(h1, "http://example.com/1")), statement(att(h2, "http://example.com/2"))}},
		{name: "fileUrl attachment may have a part", doc: statement(att(h1, "http://example.com/1")), parts: []*attachments.Part{part(1, h1)}},
		{name: "one part serves a repeated sha2", doc: []any{statement(att(h1, ""), att(h1, "")), statement(att(h1, ""))}, parts: []*attachments.Part{part(1, h1)}},
		{name: "hashes match ignoring case", doc: statement(att(strings.ToUpper(h1), "")), parts: []*attachments.Part{part(1, h1)}},
		{name: "SubStatement attachment with its part", doc: sub(att(h1, "")), parts: []*attachments.Part{part(1, h1)}},

		{name: "missing part", doc: statement(att(h1, ""), att(h2, "")), parts: []*attachments.Part{part(1, h1)}, contains: "statement 0, attachment 1 has no fileUrl and no part", pointer: "/attachments/1"},
		{name: "missing part in a batch", doc: []any{statement(att(h1, "")), statement(att(h2, ""))}, parts: []*attachments.Part{part(1, h1)}, contains: "statement 1, attachment 0", pointer: "/1/attachments/0"},
		{name: "application/json without fileUrl", doc: statement(att(h1, "")), contains: "no fileUrl and no part", pointer: "/attachments/0"},
		{name: "empty fileUrl", doc: statement(withField(att(h1, ""), "fileUrl", "")), contains: "no fileUrl", pointer: "/attachments/0"},
		{name: "missing SubStatement part", doc: sub(att(h1, "")), contains: "SubStatement attachment 0", pointer: "/object/attachments/0"},
		{name: "extra part", doc: statement(att(h1, "")), parts: []*attachments.Part{part(1, h1), part(2, h2)}, contains: "part 2 (X-Experience-API-Hash " + h2 + ") is the data of no attachment"},
		{name: "part with no attachments at all", doc: statement(), parts: []*attachments.Part{part(1, h1)}, contains: "part 1"},

		{name: "not a statement", doc: "x", contains: "must be a JSON object or an array"},
		{name: "batch element not an object", doc: []any{statement(), 3.0}, contains: "statement 1 is not a JSON object", pointer: "/1"},
		{name: "attachments not an array", doc: map[string]any{"attachments": "x"}, contains: "attachments must be an array", pointer: "/attachments"},
		{name: "attachment not an object", doc: map[string]any{"attachments": []any{"x"}}, contains: "attachment 0 is not a JSON object", pointer: "/attachments/0"},
		{name: "sha2 missing", doc: map[string]any{"attachments": []any{map[string]any{"fileUrl": "http://example.com"}}}, contains: "no sha2", pointer: "/attachments/0/sha2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := attachments.CheckParts(tt.doc, tt.parts)
			if tt.contains == "" {
				wantKind(t, err, 0, "")
				return
			}
			wantKind(t, err, attachments.KindInvalid, tt.contains)
			wantPointer(t, err, tt.pointer)
		})
	}
}

// TestParseThenCheckParts runs the conformance suite's requests for
// Communication 1.5.2 through Parse and CheckParts together.
func TestParseThenCheckParts(t *testing.T) {
	one, two, three := []byte("simple text 1\n"), []byte("simple text 2, a little longer\n"), []byte("text 3\n")
	ct := multipartType(testBoundary)
	tests := []struct {
		name  string
		doc   any
		parts []mpPart
		kind  attachments.Kind
	}{
		{name: "parts for every attachment", doc: statement(att(sha256Hex(one), ""), att(sha256Hex(two), "")), parts: []mpPart{dataPart(one), dataPart(two)}},
		{name: "excess part (XAPI-00128)", doc: statement(att(sha256Hex(one), ""), att(sha256Hex(two), "")), parts: []mpPart{dataPart(one), dataPart(two), dataPart(three)}, kind: attachments.KindInvalid},
		{name: "missing part (XAPI-00129)", doc: statement(att(sha256Hex(one), ""), att(sha256Hex(two), "")), parts: []mpPart{dataPart(one)}, kind: attachments.KindInvalid},
		{name: "fileUrl only, multipart (1.5.2.s3.b9)", doc: statement(att(sha256Hex(one), "http://over.there.com/file.txt"))},
		{name: "no attachments, multipart (1.5.2.s3.b8)", doc: statement()},
		{name: "same attachment in two statements, one part", doc: []any{statement(att(sha256Hex(one), "")), statement(att(sha256Hex(one), ""))}, parts: []mpPart{dataPart(one)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := buildMultipart(testBoundary, append([]mpPart{jsonPart(mustJSON(t, tt.doc))}, tt.parts...)...)
			req, err := parse(t, ct, body, attachments.Limits{TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			wantKind(t, attachments.CheckParts(decode(t, req.Statements), req.Parts), tt.kind, "")
		})
	}
}

func withField(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}
