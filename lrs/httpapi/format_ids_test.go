package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// TestFormatIDsReducesActivitiesToID checks the format parameter of GET
// statements (1.0.3 Communication 2.1.3 table row 12; IEEE 9274.1.1
// 4.1.6.1): with ids, Activities keep only the minimum that identifies
// them, their id, as the statement's object, as the object of a
// SubStatement and in contextActivities; Verbs keep their id; Agents and
// Groups keep objectType and their identifier.
func TestFormatIDsReducesActivitiesToID(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	activity := func(id string) map[string]any {
		return map[string]any{"objectType": "Activity", "id": id, "definition": map[string]any{"name": map[string]any{"vi-VN": "bài"}}}
	}
	st := statement("an", "attempted", "bai-1")
	st["object"] = map[string]any{"objectType": "SubStatement",
		"actor":   map[string]any{"objectType": "Agent", "name": "Bình", "mbox": "mailto:binh@example.com"},
		"verb":    map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed", "display": map[string]any{"vi-VN": "hoàn thành"}},
		"object":  activity("https://hoctap.example/bai-2"),
		"context": map[string]any{"contextActivities": map[string]any{"parent": activity("https://hoctap.example/khoa-2")}},
	}
	st["context"] = map[string]any{
		"instructor": map[string]any{"objectType": "Agent", "name": "Cô Lan", "mbox": "mailto:lan@example.com"},
		"contextActivities": map[string]any{
			"parent":   activity("https://hoctap.example/khoa-1"),
			"category": []any{activity("https://hoctap.example/profile"), map[string]any{"id": "https://hoctap.example/other"}},
		}}
	plain := statement("an", "completed", "bai-3") // an Activity object with objectType and a definition
	want := map[string]string{
		"actor":                                  `{"mbox":"mailto:an@example.com","objectType":"Agent"}`,
		"verb":                                   `{"id":"http://adlnet.gov/expapi/verbs/attempted"}`,
		"context.instructor":                     `{"mbox":"mailto:lan@example.com","objectType":"Agent"}`,
		"context.contextActivities":              `{"category":[{"id":"https://hoctap.example/profile"},{"id":"https://hoctap.example/other"}],"parent":[{"id":"https://hoctap.example/khoa-1"}]}`,
		"object.actor":                           `{"mbox":"mailto:binh@example.com","objectType":"Agent"}`,
		"object.verb":                            `{"id":"http://adlnet.gov/expapi/verbs/completed"}`,
		"object.object":                          `{"id":"https://hoctap.example/bai-2"}`,
		"object.context.contextActivities":       `{"parent":[{"id":"https://hoctap.example/khoa-2"}]}`,
		"object.objectType":                      `"SubStatement"`,
		"plain.object":                           `{"id":"https://hoctap.example/bai-3"}`,
		"plain.verb":                             `{"id":"http://adlnet.gov/expapi/verbs/completed"}`,
		"object.object (list query)":             `{"id":"https://hoctap.example/bai-2"}`,
		"context.contextActivities (list query)": `{"category":[{"id":"https://hoctap.example/profile"},{"id":"https://hoctap.example/other"}],"parent":[{"id":"https://hoctap.example/khoa-1"}]}`,
		"object.context.contextActivities (list query)": `{"parent":[{"id":"https://hoctap.example/khoa-2"}]}`,
	}
	at := func(m map[string]any, path ...string) any {
		var v any = m
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			id := s.postAs(v, st)
			plainID := s.postAs(v, plain)
			got := s.getStatement(id, "ids", v)
			p := s.getStatement(plainID, "ids", v)
			r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"format": {"ids"}, "verb": {"http://adlnet.gov/expapi/verbs/attempted"}, "limit": {"1"}}, version: v})
			expect(t, r, 200)
			var list statementResult
			r.json(t, &list)
			if len(list.Statements) != 1 {
				t.Fatalf("list query: %s", r.body)
			}
			l := list.Statements[0]
			for what, value := range map[string]any{
				"actor": at(got, "actor"), "verb": at(got, "verb"), "context.instructor": at(got, "context", "instructor"),
				"context.contextActivities": at(got, "context", "contextActivities"),
				"object.actor":              at(got, "object", "actor"), "object.verb": at(got, "object", "verb"),
				"object.object": at(got, "object", "object"), "object.context.contextActivities": at(got, "object", "context", "contextActivities"),
				"object.objectType": at(got, "object", "objectType"),
				"plain.object":      at(p, "object"), "plain.verb": at(p, "verb"),
				"object.object (list query)":                    at(l, "object", "object"),
				"context.contextActivities (list query)":        at(l, "context", "contextActivities"),
				"object.context.contextActivities (list query)": at(l, "object", "context", "contextActivities"),
			} {
				if g := mustJSON(t, value); g != want[what] {
					t.Errorf("%s: %s, want %s", what, g, want[what])
				}
			}
		})
	}
}
