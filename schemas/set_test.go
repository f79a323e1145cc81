package schemas_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/schemas"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLoadOnce(t *testing.T) {
	a, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := schemas.Load()
	if a != b || schemas.MustLoad() != a {
		t.Error("Load compiled the schemas more than once")
	}
}

// TestFiles checks the embedded files: both versions have the same files
// (plus the 2.0.0 context agents and groups), each is a draft 2020-12
// schema with a title and description, and every x-rule has an x-message.
func TestFiles(t *testing.T) {
	v1, err := schemas.Files(schemas.V103)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := schemas.Files(schemas.V200)
	if err != nil {
		t.Fatal(err)
	}
	for name := range v1 {
		if _, ok := v2[name]; !ok {
			t.Errorf("2.0.0 lacks %s", name)
		}
	}
	for _, name := range []string{"context-agent.json", "context-group.json"} {
		if _, ok := v2[name]; !ok {
			t.Errorf("2.0.0 lacks %s", name)
		}
		if _, ok := v1[name]; ok {
			t.Errorf("1.0.3 has %s", name)
		}
	}
	for v, files := range map[schemas.Version]map[string][]byte{schemas.V103: v1, schemas.V200: v2} {
		for name, data := range files {
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Errorf("%s/%s: %v", v, name, err)
				continue
			}
			if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["title"] == nil || doc["description"] == nil {
				t.Errorf("%s/%s: needs $schema (draft 2020-12), title and description", v, name)
			}
			if !strings.Contains(doc["title"].(string), string(v)) {
				t.Errorf("%s/%s: title %q does not name the version", v, name, doc["title"])
			}
			checkAnnotations(t, string(v)+"/"+name, doc)
		}
	}
	if _, err := schemas.Files("9.9.9"); err == nil {
		t.Error("Files of an unknown version succeeded")
	}
}

func checkAnnotations(t *testing.T, where string, v any) {
	switch x := v.(type) {
	case map[string]any:
		_, rule := x["x-rule"]
		_, msg := x["x-message"]
		if rule != msg {
			t.Errorf("%s: x-rule and x-message go together: %v", where, x)
		}
		for _, e := range x {
			checkAnnotations(t, where, e)
		}
	case []any:
		for _, e := range x {
			checkAnnotations(t, where, e)
		}
	}
}

func TestValidateKinds(t *testing.T) {
	s := schemas.MustLoad()
	const st = `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`
	cases := []struct {
		k     schemas.Kind
		doc   string
		valid bool
	}{
		{schemas.Statement, st, true},
		{schemas.Statement, `[` + st + `]`, false},
		{schemas.Statements, `[` + st + `,` + st + `]`, true},
		{schemas.Statements, st, false},
		{schemas.Agent, `{"mbox":"mailto:a@example.com"}`, true},
		{schemas.Agent, `{"objectType":"Group","mbox":"mailto:a@example.com"}`, false},
		{schemas.Group, `{"objectType":"Group","mbox":"mailto:a@example.com"}`, true},
		{schemas.Group, `{"mbox":"mailto:a@example.com"}`, false},
		{schemas.Actor, `{"objectType":"Group","member":[{"mbox":"mailto:a@example.com"}]}`, true},
		{schemas.Actor, `{"mbox":"mailto:a@example.com"}`, true},
		{schemas.Activity, `{"id":"http://example.com/o","objectType":"Activity"}`, true},
		{schemas.Activity, `{"id":"o"}`, false},
	}
	for _, v := range []schemas.Version{schemas.V103, schemas.V200} {
		for _, c := range cases {
			ps := s.Validate(v, c.k, decode(t, c.doc))
			if (len(ps) == 0) != c.valid {
				t.Errorf("%s %s %s: valid=%v, problems %v", v, c.k, c.doc, c.valid, ps)
			}
		}
	}
	if ps := s.Validate("3.0.0", schemas.Statement, decode(t, st)); len(ps) != 1 || ps[0].Rule != "schema:unknown" {
		t.Errorf("unknown version: %v", ps)
	}
	if ps := s.Validate(schemas.V103, schemas.Kind(42), decode(t, st)); len(ps) != 1 || ps[0].Rule != "schema:unknown" {
		t.Errorf("unknown kind: %v", ps)
	}
}

// TestProblemPaths checks JSON pointer escaping and the flattening of
// alternatives into the errors of the alternative that was meant.
func TestProblemPaths(t *testing.T) {
	s := schemas.MustLoad()
	doc := decode(t, `{"actor":{"objectType":"Group","member":[{"mbox":"x"}]},"verb":{"id":"http://example.com/v","display":{"a/b~c":"x"}},
		"object":{"objectType":"StatementRef","id":"nope"},"result":{"extensions":{"no iri":1}}}`)
	want := []schemas.Problem{
		{Path: "/actor/member/0/mbox", Rule: "ifi.mbox"},
		{Path: "/object/id", Rule: "format.uuid"},
		{Path: "/result/extensions/no iri", Rule: "extensions.key"},
		{Path: "/verb/display/a~1b~0c", Rule: "langmap.key"},
	}
	got := s.Validate(schemas.V103, schemas.Statement, doc)
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].Path != want[i].Path || got[i].Rule != want[i].Rule || got[i].Message == "" {
			t.Errorf("problem %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestMessages(t *testing.T) {
	s := schemas.MustLoad()
	doc := decode(t, `{"actor":{"mbox":"mailto:a@example.com","objectType":"Agent"},"verb":{"id":"http://example.com/v"},
		"object":{"id":"http://example.com/o","definition":{"Name":{"en":"x"},"interactionType":"Choice"}},"result":{"score":{"raw":"5"}}}`)
	var buf bytes.Buffer
	for _, p := range s.Validate(schemas.V200, schemas.Statement, doc) {
		buf.WriteString(p.String() + "\n")
	}
	for _, want := range []string{
		`/object/definition/Name: is not allowed here; did you mean "name"? Property names are case-sensitive [schema:additionalProperties]`,
		`/object/definition/interactionType: must be one of true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric or other (lowercase) [interaction.type]`,
		`/result/score/raw: must be a number, not a string [schema:type]`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("missing %q in:\n%s", want, buf.String())
		}
	}
	if got := (schemas.Problem{Rule: "r", Message: "m"}).String(); got != "(document): m [r]" {
		t.Errorf("String() = %q", got)
	}
}

func TestValidateConcurrently(t *testing.T) {
	s := schemas.MustLoad()
	doc := decode(t, `{"actor":{"mbox":"bad"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if ps := s.Validate(schemas.V200, schemas.Statement, doc); len(ps) != 1 {
					t.Errorf("got %v", ps)
					return
				}
			}
		}()
	}
	wg.Wait()
}
