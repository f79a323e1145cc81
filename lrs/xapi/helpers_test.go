package xapi_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

var bothVersions = []xapi.Version{xapi.V103, xapi.V200}

// decode parses JSON text the way the package expects.
func decode(tb testing.TB, text string) any {
	tb.Helper()
	v, err := xapi.Decode([]byte(text))
	if err != nil {
		tb.Fatalf("decode %s: %v", text, err)
	}
	return v
}

func readJSON(tb testing.TB, path string) any {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := xapi.Decode(data)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return v
}

// baseStatement is a small valid statement that table tests modify.
const baseStatement = `{
  "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
  "actor": {"objectType": "Agent", "name": "Example Learner", "mbox": "mailto:learner@example.com"},
  "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
  "object": {"id": "http://example.com/activities/1"}
}`

// edit is one change to a JSON document: set the value at a JSON pointer
// (creating missing objects on the way), or delete it when value is "-".
type edit struct{ ptr, value string }

// with returns baseStatement changed by edits, given as pointer/JSON pairs.
func with(tb testing.TB, edits ...edit) any {
	tb.Helper()
	doc := decode(tb, baseStatement)
	for _, e := range edits {
		doc = apply(tb, doc, e)
	}
	return doc
}

func apply(tb testing.TB, doc any, e edit) any {
	tb.Helper()
	tokens := strings.Split(e.ptr[1:], "/")
	var value any
	if e.value != "-" {
		value = decode(tb, e.value)
	}
	var set func(cur any, toks []string) any
	set = func(cur any, toks []string) any {
		tok := strings.NewReplacer("~1", "/", "~0", "~").Replace(toks[0])
		switch c := cur.(type) {
		case []any:
			var i int
			if err := json.Unmarshal([]byte(tok), &i); err != nil || i >= len(c) {
				tb.Fatalf("bad index %q in %s", tok, e.ptr)
			}
			if len(toks) == 1 {
				c[i] = value
			} else {
				c[i] = set(c[i], toks[1:])
			}
			return c
		default:
			m, ok := cur.(map[string]any)
			if !ok {
				m = map[string]any{}
			}
			if len(toks) == 1 {
				if e.value == "-" {
					delete(m, tok)
				} else {
					m[tok] = value
				}
				return m
			}
			m[tok] = set(m[tok], toks[1:])
			return m
		}
	}
	return set(doc, tokens)
}

func hasProblem(ps []xapi.Problem, rule, path string) bool {
	for _, p := range ps {
		if p.Rule == rule && (path == "" || p.Path == path) {
			return true
		}
	}
	return false
}

func dump(ps []xapi.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\n\t" + p.String())
	}
	return b.String()
}

type jsonNumber = json.Number

func dumpJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
