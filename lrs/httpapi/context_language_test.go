package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// TestContextLanguageMustBeATag checks Data 2.4.6 with 2.2.s4.b1.b4 (IEEE
// 9274.1.1 4.2.2.5 and 4.2.1): context.language is an RFC 5646 language
// tag; any other string is refused with 400 naming the field, in a
// statement, a SubStatement and a batch, and nothing is stored.
func TestContextLanguageMustBeATag(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	withLanguage := func(lang string) map[string]any {
		st := statement("an", "completed", "bai-1")
		st["context"] = map[string]any{"language": lang}
		return st
	}
	inSub := func(lang string) map[string]any {
		st := statement("an", "completed", "bai-1")
		st["object"] = map[string]any{"objectType": "SubStatement", "actor": map[string]any{"mbox": "mailto:b@example.com"},
			"verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": map[string]any{"id": "https://hoctap.example/bai-2"},
			"context": map[string]any{"language": lang}}
		return st
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			for _, c := range []struct {
				name string
				body any
				path string
			}{
				{"a word", withLanguage("something"), "/context/language"},
				{"underscore", withLanguage("vi_VN"), "/context/language"},
				{"empty", withLanguage(""), "/context/language"},
				{"in a SubStatement", inSub("tiếng Việt"), "/object/context/language"},
				{"in a batch", []any{withLanguage("vi-VN"), withLanguage("something")}, "/1/context/language"},
			} {
				r := s.do(call{method: "POST", path: "/xapi/statements", body: c.body, version: v})
				expect(t, r, 400)
				if !hasProblem(t, r, c.path, "format.language-tag") {
					t.Errorf("%s: error does not name %s and format.language-tag: %s", c.name, c.path, r.body)
				}
				id := uuid.NewString()
				st := withLanguage("something")
				st["id"] = id
				expect(t, s.do(call{method: "PUT", path: "/xapi/statements", query: url.Values{"statementId": {id}}, body: st, version: v}), 400)
				expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {id}}, version: v}), 404)
			}
			if n := len(s.query(nil).Statements); n != 0 {
				t.Fatalf("%d statements stored from refused requests", n)
			}
		})
	}
	for _, v := range versions {
		for _, lang := range []string{"vi", "vi-VN", "zh-Hant-TW", "en-GB-oed"} {
			id := s.postAs(v, withLanguage(lang))
			s.postAs(v, inSub(lang))
			if got := s.getStatement(id, "exact", v)["context"].(map[string]any)["language"]; got != lang {
				t.Errorf("%s: language %v stored", v, got)
			}
		}
	}
}
