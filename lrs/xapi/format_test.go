package xapi_test

import (
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
	"golang.org/x/text/language"
)

const richStatement = `{
  "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
  "actor": {"objectType": "Group", "name": "Team PB", "member": [
    {"name": "Andrew", "account": {"homePage": "http://www.example.com", "name": "13936749"}},
    {"objectType": "Agent", "name": "Toby", "openid": "http://toby.openid.example.org/"}]},
  "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended", "fr": "a assisté"}},
  "object": {"objectType": "Activity", "id": "http://www.example.com/meetings/34534", "definition": {
    "name": {"en-GB": "example meeting", "de": "Beispieltreffen"},
    "description": {"en-US": "An example meeting", "de": "Ein Beispieltreffen"},
    "type": "http://adlnet.gov/expapi/activities/meeting",
    "interactionType": "choice",
    "choices": [{"id": "a", "description": {"en-US": "A", "de": "A (de)"}}]}},
  "result": {"success": true},
  "context": {
    "instructor": {"name": "Andrew", "mbox": "mailto:andrew@example.com"},
    "team": {"objectType": "Group", "name": "Team PB", "mbox": "mailto:teampb@example.com", "member": [{"mbox": "mailto:a@example.com"}]},
    "contextActivities": {
      "parent": {"id": "http://www.example.com/meetings/series/267", "definition": {"name": {"en": "series", "de": "Reihe"}}},
      "category": [{"objectType": "Activity", "id": "http://www.example.com/cat", "definition": {"name": {"en": "cat"}}}]},
    "contextAgents": [{"objectType": "contextAgent", "agent": {"name": "Coach", "mbox": "mailto:coach@example.com"}, "relevantTypes": ["http://example.com/coach"]}],
    "platform": "Example"},
  "authority": {"objectType": "Agent", "name": "LRS", "account": {"homePage": "http://cloud.example.com/", "name": "anonymous"}},
  "timestamp": "2013-05-18T05:32:34.804Z"
}`

func TestFormatExact(t *testing.T) {
	doc := decode(t, richStatement)
	before := dumpJSON(t, doc)
	// Exact changes only the single context Activity, into an array of one.
	want := dumpJSON(t, apply(t, decode(t, richStatement), edit{"/context/contextActivities/parent", `[{"id": "http://www.example.com/meetings/series/267", "definition": {"name": {"en": "series", "de": "Reihe"}}}]`}))
	for _, f := range []string{"exact", "", "unknown"} {
		if got := dumpJSON(t, xapi.Format(doc, f, nil)); got != want {
			t.Errorf("format %q:\n got %s\nwant %s", f, got, want)
		}
	}
	if dumpJSON(t, doc) != before {
		t.Fatal("Format modified its argument")
	}
}

func TestFormatIDs(t *testing.T) {
	doc := decode(t, richStatement)
	before := dumpJSON(t, doc)
	got := xapi.Format(doc, xapi.FormatIDs, nil).(map[string]any)
	if dumpJSON(t, doc) != before {
		t.Fatal("Format modified its argument")
	}
	want := decode(t, `{
  "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
  "actor": {"objectType": "Group", "member": [
    {"account": {"homePage": "http://www.example.com", "name": "13936749"}},
    {"objectType": "Agent", "openid": "http://toby.openid.example.org/"}]},
  "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
  "object": {"id": "http://www.example.com/meetings/34534"},
  "result": {"success": true},
  "context": {
    "instructor": {"mbox": "mailto:andrew@example.com"},
    "team": {"objectType": "Group", "mbox": "mailto:teampb@example.com"},
    "contextActivities": {
      "parent": [{"id": "http://www.example.com/meetings/series/267"}],
      "category": [{"id": "http://www.example.com/cat"}]},
    "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}, "relevantTypes": ["http://example.com/coach"]}],
    "platform": "Example"},
  "authority": {"objectType": "Agent", "account": {"homePage": "http://cloud.example.com/", "name": "anonymous"}},
  "timestamp": "2013-05-18T05:32:34.804Z"
}`)
	if dumpJSON(t, got) != dumpJSON(t, want) {
		t.Errorf("ids format:\n got %s\nwant %s", dumpJSON(t, got), dumpJSON(t, want))
	}
}

func TestFormatIDsSubStatementAndList(t *testing.T) {
	doc := decode(t, `[{"actor":{"name":"A","mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v","display":{"en":"v"}},
	  "object":{"objectType":"SubStatement","actor":{"name":"B","mbox":"mailto:b@example.com"},"verb":{"id":"http://example.com/w","display":{"en":"w"}},
	  "object":{"objectType":"Agent","name":"C","mbox":"mailto:c@example.com"}}}]`)
	got := dumpJSON(t, xapi.Format(doc, xapi.FormatIDs, nil))
	want := `[{"actor":{"mbox":"mailto:a@example.com"},"object":{"actor":{"mbox":"mailto:b@example.com"},"object":{"mbox":"mailto:c@example.com","objectType":"Agent"},"objectType":"SubStatement","verb":{"id":"http://example.com/w"}},"verb":{"id":"http://example.com/v"}}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestFormatCanonical(t *testing.T) {
	doc := decode(t, richStatement)
	cases := []struct {
		accept                          string
		verb, name, description, choice string
	}{
		{"de-CH, en;q=0.5", "en-US", "de", "de", "de"},
		{"fr", "fr", "en-GB", "en-US", "en-US"},
		{"en-US", "en-US", "en-GB", "en-US", "en-US"},
		{"", "en-US", "en-GB", "en-US", "en-US"},
		{"ja", "en-US", "en-GB", "en-US", "en-US"},
	}
	for _, c := range cases {
		accept, _, err := language.ParseAcceptLanguage(c.accept)
		if err != nil {
			t.Fatal(err)
		}
		got := xapi.Format(doc, xapi.FormatCanonical, accept).(map[string]any)
		def := got["object"].(map[string]any)["definition"].(map[string]any)
		checks := map[string]struct {
			m    any
			want string
		}{
			"verb":        {got["verb"].(map[string]any)["display"], c.verb},
			"name":        {def["name"], c.name},
			"description": {def["description"], c.description},
			"choice":      {def["choices"].([]any)[0].(map[string]any)["description"], c.choice},
		}
		for what, ch := range checks {
			m := ch.m.(map[string]any)
			if _, ok := m[ch.want]; len(m) != 1 || !ok {
				t.Errorf("Accept-Language %q, %s: got %v, want only %s", c.accept, what, m, ch.want)
			}
		}
		parent := got["context"].(map[string]any)["contextActivities"].(map[string]any)["parent"].([]any)[0].(map[string]any)
		if n := parent["definition"].(map[string]any)["name"].(map[string]any); len(n) != 1 {
			t.Errorf("context activity name not reduced: %v", n)
		}
		if len(got["actor"].(map[string]any)) != len(doc.(map[string]any)["actor"].(map[string]any)) {
			t.Error("canonical format changed the actor")
		}
	}
	if dumpJSON(t, doc) != dumpJSON(t, decode(t, richStatement)) {
		t.Error("Format modified its argument")
	}
}

func TestBestLanguage(t *testing.T) {
	lm := map[string]any{"zh-Hant": "x", "es": "y", "es-MX": "z"}
	cases := map[string]string{"es-MX": "es-MX", "es-AR": "es-MX", "es-ES": "es", "zh-TW": "zh-Hant", "": "es", "ko": "es"}
	for accept, want := range cases {
		tags, _, _ := language.ParseAcceptLanguage(accept)
		if got := xapi.BestLanguage(lm, tags); got != want {
			t.Errorf("BestLanguage(%q) = %q, want %q", accept, got, want)
		}
	}
	if got := xapi.BestLanguage(map[string]any{}, nil); got != "" {
		t.Errorf("empty map: %q", got)
	}
}
