package xapi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// singleContextActivities has a single Activity under parent and category
// (with odd spacing) in the statement and under category in its
// SubStatement; grouping is already an array.
const singleContextActivities = `{"id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
 "actor":{"mbox":"mailto:an@example.com"}, "verb":{"id":"http://example.com/v"},
 "object":{"objectType":"SubStatement","actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://example.com/w"},"object":{"id":"http://example.com/o"},
   "context":{"contextActivities":{"category":{"id":"http://example.com/sub-cat"}}}},
 "context":{"platform":"web","contextActivities":{"parent":  {"id":"http://example.com/p","definition":{"name":{"vi":"bài"}}},
   "grouping":[{"id":"http://example.com/g"}],"category":{"objectType":"Activity","id":"http://example.com/c"}}},
 "stored":"2026-01-01T00:00:00.000Z"}`

const arrayContextActivities = `{"id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
 "actor":{"mbox":"mailto:an@example.com"}, "verb":{"id":"http://example.com/v"},
 "object":{"objectType":"SubStatement","actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://example.com/w"},"object":{"id":"http://example.com/o"},
   "context":{"contextActivities":{"category":[{"id":"http://example.com/sub-cat"}]}}},
 "context":{"platform":"web","contextActivities":{"parent":[{"id":"http://example.com/p","definition":{"name":{"vi":"bài"}}}],
   "grouping":[{"id":"http://example.com/g"}],"category":[{"objectType":"Activity","id":"http://example.com/c"}]}},
 "stored":"2026-01-01T00:00:00.000Z"}`

func TestContextActivitiesAsArrays(t *testing.T) {
	doc := decode(t, singleContextActivities).(map[string]any)
	before := dumpJSON(t, doc)
	got, changed := xapi.ContextActivitiesAsArrays(doc)
	if !changed {
		t.Error("no change reported")
	}
	if dumpJSON(t, doc) != before {
		t.Fatal("ContextActivitiesAsArrays modified its argument")
	}
	if want := dumpJSON(t, decode(t, arrayContextActivities)); dumpJSON(t, got) != want {
		t.Errorf("got  %s\nwant %s", dumpJSON(t, got), want)
	}
	// Already arrays, or no context at all: the statement itself.
	for _, text := range []string{arrayContextActivities, baseStatement} {
		st := decode(t, text).(map[string]any)
		if out, changed := xapi.ContextActivitiesAsArrays(st); changed || dumpJSON(t, out) != dumpJSON(t, st) {
			t.Errorf("changed a statement without single context activities: %s", dumpJSON(t, out))
		}
	}
}

func TestContextActivitiesAsArraysJSON(t *testing.T) {
	got, err := xapi.ContextActivitiesAsArraysJSON([]byte(singleContextActivities))
	if err != nil {
		t.Fatal(err)
	}
	if want := dumpJSON(t, decode(t, arrayContextActivities)); dumpJSON(t, decode(t, string(got))) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The rest keeps the client's serialization: member order and the
	// text of every other value.
	for _, part := range []string{`"id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee","actor":{"mbox":"mailto:an@example.com"},"verb"`,
		`"parent":[{"id":"http://example.com/p","definition":{"name":{"vi":"bài"}}}],"grouping":[{"id":"http://example.com/g"}]`,
		`"stored":"2026-01-01T00:00:00.000Z"}`} {
		if !strings.Contains(string(got), part) {
			t.Errorf("output lost %s:\n%s", part, got)
		}
	}
	// Nothing to change: the same bytes, not a copy.
	for _, text := range []string{arrayContextActivities, baseStatement, `{"context":{"extensions":{"http://example.com/contextActivities":{"parent":{}}}}}`,
		`{"result":{"extensions":{"http://example.com/x":{"contextActivities":{"parent":{"id":"x"}}}}}}`,
		`{"context":{"contextActivities":{"parent":[{"id":"a\\\"{"}],"other":[]}},"object":{"definition":{"name":{"vi":"{\"contextActivities\":{\"x\":{}}}"}}}}`} {
		raw := []byte(text)
		out, err := xapi.ContextActivitiesAsArraysJSON(raw)
		if err != nil || &out[0] != &raw[0] || len(out) != len(raw) {
			t.Errorf("rewrote %s: %s, %v", text, out, err)
		}
	}
	// An escaped member name is still contextActivities.
	escaped := `{"context":{"context\u0041ctivities":{"other":{"id":"http://example.com/o"}}}}`
	if out, err := xapi.ContextActivitiesAsArraysJSON([]byte(escaped)); err != nil || !bytes.Contains(out, []byte(`"other":[{"id":"http://example.com/o"}]`)) {
		t.Errorf("escaped name: %s, %v", out, err)
	}
	// Text the streaming decoder refuses (invalid UTF-8, which
	// encoding/json accepts) goes through the decoded path.
	invalid := []byte("{\"actor\":{\"name\":\"\xff\"},\"context\":{\"contextActivities\":{\"parent\":{\"id\":\"http://example.com/p\"}}}}")
	if out, err := xapi.ContextActivitiesAsArraysJSON(invalid); err != nil || !bytes.Contains(out, []byte(`"parent":[{"id":"http://example.com/p"}]`)) {
		t.Errorf("invalid UTF-8: %s, %v", out, err)
	}
	for _, bad := range []string{`{"context":{"contextActivities":{"parent":{}}}`, `[{"context":{"contextActivities":{"parent":{"id":"x"}}}}]`,
		`{"context":{"contextActivities":{"parent":{"id":"x"}}}} x`} {
		if out, err := xapi.ContextActivitiesAsArraysJSON([]byte(bad)); err == nil {
			t.Errorf("%s: no error, %s", bad, out)
		}
	}
}

func TestFormatReturnsContextActivitiesAsArrays(t *testing.T) {
	doc := decode(t, singleContextActivities)
	for _, f := range []string{xapi.FormatExact, xapi.FormatIDs, xapi.FormatCanonical, ""} {
		got := xapi.Format(doc, f, nil).(map[string]any)
		for _, ca := range []any{
			got["context"].(map[string]any)["contextActivities"],
			got["object"].(map[string]any)["context"].(map[string]any)["contextActivities"],
		} {
			for k, v := range ca.(map[string]any) {
				if _, ok := v.([]any); !ok {
					t.Errorf("format %q: contextActivities %s is %T, want an array", f, k, v)
				}
			}
		}
	}
}

// TestContextActivitiesAsArraysJSONMatchesDecoded checks the text rewrite
// against the decoded one on every valid example, so that the scan that
// lets most statements through untouched never misses one.
func TestContextActivitiesAsArraysJSONMatchesDecoded(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	more, _ := filepath.Glob("testdata/valid/*/*.json")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("only %d examples", len(files))
	}
	rewritten := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := xapi.ContextActivitiesAsArraysJSON(raw)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		want, changed := xapi.ContextActivitiesAsArrays(decode(t, string(raw)).(map[string]any))
		if got := dumpJSON(t, decode(t, string(out))); got != dumpJSON(t, want) {
			t.Errorf("%s:\n got %s\nwant %s", f, got, dumpJSON(t, want))
		}
		if changed {
			rewritten++
		}
	}
	if rewritten == 0 {
		t.Error("no example has a single context Activity")
	}
}
