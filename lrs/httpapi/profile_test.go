package httpapi_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/xapiprofile"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// lessonLaunched is a statement of the campaign profile's lesson-launched
// template; without the registration it breaks the template's rule that
// $.context.registration is included.
func lessonLaunched(withRegistration bool) map[string]any {
	ctx := map[string]any{
		"contextActivities": map[string]any{"parent": []any{map[string]any{
			"objectType": "Activity", "id": "https://hoctap.example/khoa-1",
			"definition": map[string]any{"type": "http://adlnet.gov/expapi/activities/course"},
		}}},
		"extensions": map[string]any{"https://w3id.org/hocvu/xapi/ext/province": "51"},
	}
	if withRegistration {
		ctx["registration"] = uuid.NewString()
	}
	return map[string]any{
		"id":        uuid.NewString(),
		"timestamp": "2026-03-01T08:00:00+07:00",
		"actor":     map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://vneid.example/", "name": "0123"}},
		"verb":      map[string]any{"id": "http://adlnet.gov/expapi/verbs/launched"},
		"object": map[string]any{"objectType": "Activity", "id": "https://hoctap.example/khoa-1/bai-1",
			"definition": map[string]any{"type": "http://adlnet.gov/expapi/activities/lesson"}},
		"context": ctx,
	}
}

// With the campaign profile required (serve --validate-profile), a
// statement that breaks a template rule is refused with 400 naming the
// template, the rule and the location, and nothing of its request is
// stored; one that follows it, and one outside the profile, are stored.
// Without it, the same statement is stored.
func TestProfileValidation(t *testing.T) {
	on := newLRSWith(t, httpapi.Limits{}, nil, func(cfg *httpapi.Config) { cfg.Profile = xapiprofile.DefaultChecker() })
	on.post(lessonLaunched(true))
	on.post(statement("an", "experienced", "bai-1"))

	bad := lessonLaunched(false)
	r := on.do(call{method: "POST", path: "/xapi/statements", body: []any{lessonLaunched(true), bad}})
	expect(t, r, 400)
	var body struct {
		Error struct {
			Message  string `json:"message"`
			Problems []struct {
				Path, Rule, Template, Location string
			} `json:"problems"`
		} `json:"error"`
	}
	r.json(t, &body)
	if len(body.Error.Problems) != 1 {
		t.Fatalf("problems %+v, want one; body %s", body.Error.Problems, r.body)
	}
	p := body.Error.Problems[0]
	if p.Path != "/1" || p.Rule != "included" || p.Template != xapiprofile.TemplateBase+"lesson-launched" || p.Location != "$.context.registration" {
		t.Errorf("problem %+v, want /1 included lesson-launched $.context.registration", p)
	}
	t.Logf("message: %s", body.Error.Message)
	if got := len(ids(on.query(nil))); got != 2 {
		t.Errorf("%d statements stored with the profile required, want 2 (the refused request stores nothing)", got)
	}

	off := newLRS(t, httpapi.Limits{})
	off.post(bad)
}
