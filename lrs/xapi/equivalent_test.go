package xapi_test

import (
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

func TestEquivalent(t *testing.T) {
	cases := []struct {
		name  string
		a, b  []edit // applied to baseStatement
		equal bool
	}{
		{"identical", nil, nil, true},
		{"id ignored", nil, []edit{{"/id", `"e05aa883-acaf-40ad-bf54-02c8ce485fb0"`}}, true},
		{"authority stored version ignored", nil, []edit{{"/authority", `{"mbox":"mailto:lrs@example.com"}`}, {"/stored", `"2024-01-01T00:00:00Z"`}, {"/version", `"1.0.0"`}}, true},
		{"timestamp assigned by the LRS", nil, []edit{{"/timestamp", `"2024-01-01T00:00:00Z"`}}, true},
		{"same instant in another zone", []edit{{"/timestamp", `"2024-01-01T01:30:00.000+01:30"`}}, []edit{{"/timestamp", `"2024-01-01T00:00:00Z"`}}, true},
		{"sub-millisecond digits", []edit{{"/timestamp", `"2024-01-01T00:00:00.1234Z"`}}, []edit{{"/timestamp", `"2024-01-01T00:00:00.123Z"`}}, true},
		{"different instant", []edit{{"/timestamp", `"2024-01-01T00:00:01Z"`}}, []edit{{"/timestamp", `"2024-01-01T00:00:00Z"`}}, false},
		{"verb display ignored", nil, []edit{{"/verb/display", `{"fr":"a essayé"}`}}, true},
		{"verb id differs", nil, []edit{{"/verb/id", `"http://adlnet.gov/expapi/verbs/completed"`}}, false},
		{"activity definition ignored", nil, []edit{{"/object/definition", `{"name":{"en":"x"}}`}}, true},
		{"activity objectType default", nil, []edit{{"/object/objectType", `"Activity"`}}, true},
		{"activity id case matters", nil, []edit{{"/object/id", `"http://example.com/Activities/1"`}}, false},
		{"agent objectType default", []edit{{"/actor/objectType", "-"}}, nil, true},
		{"mbox domain case", nil, []edit{{"/actor/mbox", `"mailto:learner@EXAMPLE.com"`}}, true},
		{"mbox local part case", nil, []edit{{"/actor/mbox", `"mailto:Learner@example.com"`}}, false},
		{"actor name differs", nil, []edit{{"/actor/name", `"Someone Else"`}}, false},
		{"actor name missing", nil, []edit{{"/actor/name", "-"}}, false},
		{"member order", []edit{{"/actor", `{"objectType":"Group","member":[{"mbox":"mailto:a@example.com"},{"objectType":"Agent","mbox":"mailto:b@example.com"}]}`}},
			[]edit{{"/actor", `{"objectType":"Group","member":[{"mbox":"mailto:b@example.com"},{"mbox":"mailto:A@EXAMPLE.COM"}]}`}}, false},
		{"member order only", []edit{{"/actor", `{"objectType":"Group","member":[{"mbox":"mailto:a@example.com"},{"objectType":"Agent","mbox":"mailto:b@example.com"}]}`}},
			[]edit{{"/actor", `{"objectType":"Group","member":[{"mbox":"mailto:b@example.com"},{"mbox":"mailto:a@EXAMPLE.COM"}]}`}}, true},
		{"sha1sum case", []edit{{"/actor/mbox", "-"}, {"/actor/mbox_sha1sum", `"ebd31e95054c018b10727ccffd2ef2ec3a016ee9"`}}, []edit{{"/actor/mbox", "-"}, {"/actor/mbox_sha1sum", `"EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"`}}, true},
		{"single context activity vs array", []edit{{"/context/contextActivities/parent", `{"id":"http://example.com/p"}`}}, []edit{{"/context/contextActivities/parent", `[{"id":"http://example.com/p","objectType":"Activity","definition":{"name":{"en":"P"}}}]`}}, true},
		{"single context activity vs array of two", []edit{{"/context/contextActivities/parent", `{"id":"http://example.com/p"}`}}, []edit{{"/context/contextActivities/parent", `[{"id":"http://example.com/p"},{"id":"http://example.com/p"}]`}}, false},
		{"substatement single context activity vs array", []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"},"context":{"contextActivities":{"category":{"id":"http://example.com/c"}}}}`}},
			[]edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"},"context":{"contextActivities":{"category":[{"id":"http://example.com/c"}]}}}`}}, true},
		{"context activity order matters", []edit{{"/context/contextActivities/other", `[{"id":"http://example.com/1"},{"id":"http://example.com/2"}]`}}, []edit{{"/context/contextActivities/other", `[{"id":"http://example.com/2"},{"id":"http://example.com/1"}]`}}, false},
		{"registration case", []edit{{"/context/registration", `"ec531277-b57b-4c15-8d91-d292c5b2b8f7"`}}, []edit{{"/context/registration", `"EC531277-B57B-4C15-8D91-D292C5B2B8F7"`}}, true},
		{"statement ref id case", []edit{{"/object", `{"objectType":"StatementRef","id":"ec531277-b57b-4c15-8d91-d292c5b2b8f7"}`}}, []edit{{"/object", `{"objectType":"StatementRef","id":"EC531277-B57B-4C15-8D91-D292C5B2B8F7"}`}}, true},
		{"number spelling", []edit{{"/result/score", `{"raw":1,"max":100}`}}, []edit{{"/result/score", `{"raw":1.0,"max":1e2}`}}, true},
		{"score differs", []edit{{"/result/score", `{"raw":1}`}}, []edit{{"/result/score", `{"raw":2}`}}, false},
		{"success differs", []edit{{"/result/success", `true`}}, []edit{{"/result/success", `false`}}, false},
		{"duration beyond 0.01s", []edit{{"/result/duration", `"PT1.2345S"`}}, []edit{{"/result/duration", `"PT1.23S"`}}, true},
		{"duration trailing zero", []edit{{"/result/duration", `"PT1.50S"`}}, []edit{{"/result/duration", `"PT1.5S"`}}, true},
		{"duration other unit", []edit{{"/result/duration", `"PT60S"`}}, []edit{{"/result/duration", `"PT1M"`}}, false},
		{"extension value differs", []edit{{"/context/extensions", `{"http://example.com/e":{"a":[1,2]}}`}}, []edit{{"/context/extensions", `{"http://example.com/e":{"a":[2,1]}}`}}, false},
		{"extension same", []edit{{"/context/extensions", `{"http://example.com/e":{"a":[1,2.0]}}`}}, []edit{{"/context/extensions", `{"http://example.com/e":{"a":[1,2]}}`}}, true},
		{"attachments ignored", nil, []edit{{"/attachments", `[{"usageType":"http://adlnet.gov/expapi/attachments/signature","display":{"en":"sig"},"contentType":"application/octet-stream","length":1,"sha2":"ab"}]`}}, true},
		{"context language case", []edit{{"/context/language", `"en-US"`}}, []edit{{"/context/language", `"en-us"`}}, true},
		{"context missing", []edit{{"/context/platform", `"web"`}}, nil, false},
		{"substatement timestamp instant", []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v","display":{"en":"v"}},"object":{"id":"http://example.com/o"},"timestamp":"2030-01-01T00:00:00Z"}`}},
			[]edit{{"/object", `{"objectType":"SubStatement","actor":{"objectType":"Agent","mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o","objectType":"Activity"},"timestamp":"2030-01-01T02:00:00+02:00"}`}}, true},
		{"substatement timestamp missing", []edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"},"timestamp":"2030-01-01T00:00:00Z"}`}},
			[]edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`}}, false},
		{"contextAgents", []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@EXAMPLE.com"}}]`}}, []edit{{"/context/contextAgents", `[{"objectType":"contextAgent","agent":{"objectType":"Agent","mbox":"mailto:c@example.com"}}]`}}, true},
	}
	for _, c := range cases {
		a, b := with(t, c.a...), with(t, c.b...)
		if got := xapi.Equivalent(a, b); got != c.equal {
			t.Errorf("%s: Equivalent = %v, want %v", c.name, got, c.equal)
		}
		if got := xapi.Equivalent(b, a); got != c.equal {
			t.Errorf("%s (swapped): Equivalent = %v, want %v", c.name, got, c.equal)
		}
	}
}

func TestEquivalentDoesNotModify(t *testing.T) {
	a := with(t, edit{"/actor", `{"objectType":"Group","member":[{"mbox":"mailto:b@example.com"},{"mbox":"mailto:a@example.com"}]}`})
	before := dumpJSON(t, a)
	xapi.Equivalent(a, a)
	if after := dumpJSON(t, a); after != before {
		t.Errorf("Equivalent modified its argument:\n%s\n%s", before, after)
	}
}

func TestEquivalentOddShapes(t *testing.T) {
	for _, pair := range [][2]string{{`1`, `1.0`}, {`[1]`, `[1]`}, {`{"actor":1}`, `{"actor":1}`}, {`{"object":{"objectType":"SubStatement","object":{"objectType":"SubStatement"}}}`, `{"object":{"objectType":"SubStatement","object":{"objectType":"SubStatement"}}}`}} {
		if !xapi.Equivalent(decode(t, pair[0]), decode(t, pair[1])) {
			t.Errorf("%s vs %s: not equivalent", pair[0], pair[1])
		}
	}
	if xapi.Equivalent(decode(t, `{"actor":1}`), decode(t, `{"actor":2}`)) {
		t.Error("different odd statements equivalent")
	}
}
