package xapi_test

import (
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

func TestValidateStatements(t *testing.T) {
	const a = `{"id":"fd41c918-b88b-4b20-a0a5-a4c32391aaa0","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`
	const b = `{"id":"FD41C918-B88B-4B20-A0A5-A4C32391AAA0","actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`
	const noID = `{"actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`
	const badScore = `{"actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"},"result":{"score":{"min":1,"max":0}}}`
	const badMbox = `{"actor":{"mbox":"b@example.com"},"verb":{"id":"http://example.com/v"},"object":{"id":"http://example.com/o"}}`
	cases := []struct {
		name, doc, rule, path string
	}{
		{"empty batch", `[]`, "", ""},
		{"distinct ids", `[` + a + `,` + noID + `,` + noID + `]`, "", ""},
		{"same id differing in case", `[` + a + `,` + noID + `,` + b + `]`, "batch.duplicate-id", "/2/id"},
		{"schema problem gets an index", `[` + a + `,` + badMbox + `]`, "ifi.mbox", "/1/actor/mbox"},
		{"go rule gets an index", `[` + noID + `,` + badScore + `]`, "score.min-max", "/1/result/score/max"},
		{"not an array", a, "schema:type", ""},
		{"item not an object", `[1]`, "schema:type", "/0"},
	}
	for _, v := range bothVersions {
		for _, c := range cases {
			t.Run(string(v)+"/"+c.name, func(t *testing.T) {
				ps := xapi.ValidateStatements(v, decode(t, c.doc))
				if c.rule == "" {
					if len(ps) > 0 {
						t.Fatalf("want valid, got:%s", dump(ps))
					}
					return
				}
				if !hasProblem(ps, c.rule, c.path) {
					t.Fatalf("want %s at %q, got:%s", c.rule, c.path, dump(ps))
				}
			})
		}
	}
}

func TestValidateParameters(t *testing.T) {
	type check func(xapi.Version, any) []xapi.Problem
	cases := []struct {
		name  string
		fn    check
		doc   string
		valid bool
		rule  string
	}{
		{"agent", xapi.ValidateAgent, `{"mbox":"mailto:a@example.com"}`, true, ""},
		{"agent with objectType", xapi.ValidateAgent, `{"objectType":"Agent","account":{"homePage":"http://example.com","name":"a"}}`, true, ""},
		{"agent two identifiers", xapi.ValidateAgent, `{"mbox":"mailto:a@example.com","openid":"http://a.example.com"}`, false, "ifi.exactly-one"},
		{"agent bad mbox", xapi.ValidateAgent, `{"mbox":"a@example.com"}`, false, "ifi.mbox"},
		{"agent is not a group", xapi.ValidateAgent, `{"objectType":"Group","mbox":"mailto:t@example.com"}`, false, "schema:const"},
		{"actor group", xapi.ValidateActor, `{"objectType":"Group","mbox":"mailto:t@example.com"}`, true, ""},
		{"actor agent", xapi.ValidateActor, `{"mbox_sha1sum":"ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}`, true, ""},
		{"actor string", xapi.ValidateActor, `"mailto:a@example.com"`, false, "actor.kind"},
		{"activity", xapi.ValidateActivity, `{"id":"http://example.com/a","definition":{"name":{"en":"A"}}}`, true, ""},
		{"activity bad id", xapi.ValidateActivity, `{"id":"a"}`, false, "format.iri"},
		{"activity repeated component ids", xapi.ValidateActivity, `{"id":"http://example.com/a","definition":{"interactionType":"likert","scale":[{"id":"1"},{"id":"1"}]}}`, false, "interaction.component-id-unique"},
	}
	for _, v := range bothVersions {
		for _, c := range cases {
			ps := c.fn(v, decode(t, c.doc))
			if c.valid && len(ps) > 0 {
				t.Errorf("%s %s: want valid, got:%s", v, c.name, dump(ps))
			}
			if !c.valid && !hasProblem(ps, c.rule, "") {
				t.Errorf("%s %s: want %s, got:%s", v, c.name, c.rule, dump(ps))
			}
		}
	}
	if ps := xapi.ValidateActivityID("http://example.com/a"); ps != nil {
		t.Errorf("activity id: %v", ps)
	}
	if ps := xapi.ValidateActivityID("example.com/a"); !hasProblem(ps, "format.iri", "") {
		t.Errorf("activity id without scheme accepted")
	}
	if ps := xapi.ValidateUUID("e05aa883-acaf-40ad-bf54-02c8ce485fb0"); ps != nil {
		t.Errorf("uuid: %v", ps)
	}
	if ps := xapi.ValidateUUID("e05aa883"); !hasProblem(ps, "format.uuid", "") {
		t.Errorf("short uuid accepted")
	}
	if ps := xapi.ValidateTimestamp(xapi.V103, "2015-11-18T12:17:00"); ps != nil {
		t.Errorf("1.0.3 timestamp without zone: %v", ps)
	}
	if ps := xapi.ValidateTimestamp(xapi.V200, "2015-11-18T12:17:00"); !hasProblem(ps, "format.timestamp", "") {
		t.Errorf("2.0.0 timestamp without zone accepted")
	}
}
