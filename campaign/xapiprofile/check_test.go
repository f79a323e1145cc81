package xapiprofile_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/campaign/xapiprofile"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// lessonCompleted is a statement that fits the lesson-completed template.
const lessonCompleted = `{
  "id": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e62",
  "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "hv1"}},
  "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
  "object": {"id": "https://lms.example/c/1/l/1", "definition": {
    "type": "http://adlnet.gov/expapi/activities/lesson",
    "extensions": {"https://w3id.org/hocvu/xapi/ext/expected-duration": "PT15M"}}},
  "result": {"completion": true, "duration": "PT14M"},
  "context": {
    "registration": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "contextActivities": {"parent": [{"id": "https://lms.example/c/1", "definition": {"type": "http://adlnet.gov/expapi/activities/course"}}]},
    "extensions": {
      "https://w3id.org/hocvu/xapi/ext/province": "51",
      "https://w3id.org/hocvu/xapi/ext/commune": "21121",
      "https://w3id.org/hocvu/xapi/ext/target-group": "citizen"
    }
  },
  "timestamp": "2025-10-10T20:01:17+07:00"
}`

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	v, err := xapi.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

// set replaces the value at a dotted path ("result.duration"); nil
// deletes it.
func set(m map[string]any, path string, v any) {
	parts := strings.Split(path, "|")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	last := parts[len(parts)-1]
	if v == nil {
		delete(m, last)
		return
	}
	m[last] = v
}

func TestCheckFits(t *testing.T) {
	st := decode(t, lessonCompleted)
	if ps := xapi.ValidateStatement(xapi.V200, st); len(ps) > 0 {
		t.Fatalf("the base statement is invalid xAPI: %v", ps)
	}
	id, misfits := xapiprofile.DefaultChecker().Match(st)
	if id != xapiprofile.TemplateLessonCompleted || len(misfits) > 0 {
		t.Fatalf("Match = %s, %v", id, misfits)
	}
}

func TestCheckMisfits(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(st map[string]any)
		location string // substring of the misfit's location
		rule     string
	}{
		{"no duration", func(st map[string]any) { set(st, "result|duration", nil) }, "$.result.duration", "included"},
		{"success on a lesson", func(st map[string]any) { set(st, "result|success", true) }, "$.result.success", "excluded"},
		{"completion false", func(st map[string]any) { set(st, "result|completion", false) }, "$.result.completion", "all"},
		{"no province", func(st map[string]any) { set(st, "context|extensions|"+vocab.ExtProvince, nil) }, "province", "included"},
		{"group not a group", func(st map[string]any) { set(st, "context|extensions|"+vocab.ExtTargetGroup, "farmer") }, "target-group", "all"},
		{"commune code malformed", func(st map[string]any) { set(st, "context|extensions|"+vocab.ExtCommune, json.Number("21121")) }, "commune", "extension"},
		{"no expected duration", func(st map[string]any) { set(st, "object|definition|extensions", nil) }, "expected-duration", "included"},
		{"no registration", func(st map[string]any) { set(st, "context|registration", nil) }, "$.context.registration", "included"},
		{"no course parent", func(st map[string]any) { set(st, "context|contextActivities", nil) }, "$.context.contextActivities.parent", "determining"},
		{"mbox instead of account", func(st map[string]any) {
			st["actor"] = map[string]any{"mbox": "mailto:a@example.com"}
		}, "$.actor.account.homePage", "included"},
		{"context extension in result", func(st map[string]any) {
			set(st, "result|extensions", map[string]any{vocab.ExtCommune: "21121"})
		}, "$.result.extensions", "extension"},
		{"no object type", func(st map[string]any) { set(st, "object|definition|type", nil) }, "$.object.definition.type", "determining"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := decode(t, lessonCompleted)
			c.mutate(st)
			misfits := xapiprofile.Check(st)
			for _, m := range misfits {
				if strings.Contains(m.Location, c.location) && m.Rule == c.rule {
					return
				}
			}
			t.Errorf("no %s misfit at %s in %v", c.rule, c.location, misfits)
		})
	}
}

func TestCheckScope(t *testing.T) {
	// Singleton context activities (xAPI 1.0 style) are normalised.
	st := decode(t, lessonCompleted)
	ctx := st["context"].(map[string]any)
	ca := ctx["contextActivities"].(map[string]any)
	ca["parent"] = ca["parent"].([]any)[0]
	if m := xapiprofile.Check(st); len(m) > 0 {
		t.Errorf("singleton parent: %v", m)
	}
	if _, ok := ca["parent"].(map[string]any); !ok {
		t.Error("Check modified its argument")
	}
	// A voiding statement is outside the profile.
	void := decode(t, `{"actor": {"account": {"homePage": "https://lms.example", "name": "a"}},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
		"object": {"objectType": "StatementRef", "id": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e62"}}`)
	if m := xapiprofile.Check(void); len(m) > 0 {
		t.Errorf("voiding statement: %v", m)
	}
	// Another verb, but declaring the profile: no template.
	other := decode(t, `{"actor": {"account": {"homePage": "https://lms.example", "name": "a"}},
		"verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
		"object": {"id": "https://lms.example/meeting"},
		"context": {"contextActivities": {"category": [{"id": "`+xapiprofile.VersionID+`"}]}}}`)
	if m := xapiprofile.Check(other); len(m) != 1 || m[0].Rule != "no-template" {
		t.Errorf("declared profile, unknown verb: %v", m)
	}
}

func TestCheckCertificateSelector(t *testing.T) {
	st := decode(t, `{
	  "id": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e66",
	  "actor": {"account": {"homePage": "https://lms.example", "name": "hv1"}},
	  "verb": {"id": "https://w3id.org/hocvu/xapi/verbs/earned"},
	  "object": {"id": "https://lms.example/cert/1", "definition": {"type": "https://w3id.org/hocvu/xapi/activity-types/certificate", "name": {"vi": "Chứng nhận"}}},
	  "context": {"registration": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
	    "contextActivities": {"parent": [{"id": "https://lms.example/c/1", "definition": {"type": "http://adlnet.gov/expapi/activities/course"}}]},
	    "extensions": {"https://w3id.org/hocvu/xapi/ext/province": "51"}},
	  "timestamp": "2025-10-12T08:31:09+07:00"}`)
	if id, m := xapiprofile.DefaultChecker().Match(st); id != xapiprofile.TemplateCertificateEarned || len(m) > 0 {
		t.Fatalf("Match = %s, %v", id, m)
	}
	st["attachments"] = []any{map[string]any{"usageType": "https://example.com/other"}}
	m := xapiprofile.Check(st)
	if len(m) != 1 || m[0].Rule != "all" || !strings.Contains(m[0].Location, "usageType") {
		t.Errorf("wrong attachment usage type: %v", m)
	}
}
