package profiledoc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/schemas/profiledoc"
)

func TestDocumentIsJSON(t *testing.T) {
	doc := profiledoc.Document()
	var p struct {
		ID       string           `json:"id"`
		Concepts []map[string]any `json:"concepts"`
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != "https://w3id.org/hocvu/xapi/profile" || len(p.Concepts) == 0 {
		t.Errorf("id %s, %d concepts", p.ID, len(p.Concepts))
	}
	doc[0] = 'x'
	if profiledoc.Document()[0] == 'x' {
		t.Error("Document returns the embedded bytes themselves")
	}
	ext, err := profiledoc.DefaultExtensions()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range p.Concepts {
		if _, ok := c["inlineSchema"]; ok {
			n++
			if !ext.Has(c["id"].(string)) {
				t.Errorf("no compiled schema for %s", c["id"])
			}
		}
	}
	if n != 8 {
		t.Errorf("%d inline schemas, want 8 (7 context extensions and expected-duration)", n)
	}
}

func TestCompileExtensionsRejectsBadSchemas(t *testing.T) {
	for doc, want := range map[string]string{
		`{"concepts": [{"id": "https://x/e", "inlineSchema": "{"}]}`:                     "not JSON",
		`{"concepts": [{"id": "https://x/e", "inlineSchema": "{\"type\": \"strin\"}"}]}`: "inlineSchema",
		`[]`: "decode concepts",
	} {
		_, err := profiledoc.CompileExtensions([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", doc, err, want)
		}
	}
}
