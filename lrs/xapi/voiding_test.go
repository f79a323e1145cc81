package xapi_test

import (
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

func TestVoidingTarget(t *testing.T) {
	const target = "e05aa883-acaf-40ad-bf54-02c8ce485fb0"
	voided := `{"id":"http://adlnet.gov/expapi/verbs/voided","display":{"en-US":"voided"}}`
	cases := []struct {
		name  string
		edits []edit
		ok    bool
	}{
		{"voiding statement", []edit{{"/verb", voided}, {"/object", `{"objectType":"StatementRef","id":"` + target + `"}`}}, true},
		{"other verb with a StatementRef", []edit{{"/object", `{"objectType":"StatementRef","id":"` + target + `"}`}}, false},
		{"voided verb with an Activity", []edit{{"/verb", voided}}, false},
		{"voided verb with a SubStatement", []edit{{"/verb", voided}, {"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":` + voided + `,"object":{"objectType":"StatementRef","id":"` + target + `"}}`}}, false},
		{"verb id case matters", []edit{{"/verb/id", `"http://adlnet.gov/expapi/verbs/Voided"`}, {"/object", `{"objectType":"StatementRef","id":"` + target + `"}`}}, false},
	}
	for _, c := range cases {
		id, ok := xapi.VoidingTarget(with(t, c.edits...).(map[string]any))
		if ok != c.ok || (ok && id != target) {
			t.Errorf("%s: VoidingTarget = %q, %v; want ok %v", c.name, id, ok, c.ok)
		}
	}
}
