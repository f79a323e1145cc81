package statementindex

import (
	"testing"
)

// The index decodes only the parts of a statement it reads; it must stay
// as lenient as a generic decode where the rest of the document is odd,
// and read every shape the spec allows in the parts it does read.
func TestDecodeIndexedParts(t *testing.T) {
	doc := "{\"id\":\"6d7a6b2e-5f1c-4f7e-9d3a-0c1b2a3d4e5f\",\"stored\":\"2026-01-02T03:04:05Z\"," +
		"\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":{\"en\":\"bad \xff utf-8\"}}," +
		"\"result\":{\"score\":{\"raw\":1e400},\"extensions\":{\"x\":[1,{\"y\":null}]}}," +
		"\"actor\":{\"mbox\":\"mailto:a@example.org\"},\"actor\":{\"mbox\":\"mailto:b@example.org\"}," +
		"\"object\":{\"objectType\":\"SubStatement\",\"actor\":{\"objectType\":\"Group\",\"member\":[{\"openid\":\"http://o.example/m\"}]}," +
		"\"object\":{\"id\":\"http://act.example/sub\"},\"context\":{\"contextActivities\":{\"parent\":{\"id\":\"http://act.example/p\"}}}}," +
		"\"authority\":{\"objectType\":\"Group\",\"member\":[{\"account\":{\"homePage\":\"http://h\",\"name\":\"app\"}},{\"mbox\":\"mailto:u@example.org\"}]}," +
		"\"context\":{\"registration\":\"6D7A6B2E-5F1C-4F7E-9D3A-0C1B2A3D4E5F\",\"contextActivities\":{\"grouping\":[{\"id\":\"http://act.example/g\"}]}," +
		"\"contextAgents\":[{\"objectType\":\"contextAgent\",\"agent\":{\"mbox\":\"mailto:c@example.org\"}}]}}"
	st, err := decodeIndexed([]byte(doc))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	e := extract(st, nil)
	want := []key{
		newKey(kindAll, ""),
		newKey(kindVerb, "http://adlnet.gov/expapi/verbs/completed"),
		newKey(kindAgent, "mbox:mailto:b@example.org"), // the last of a repeated name, as encoding/json
		newKey(kindRelatedAgent, "mbox:mailto:b@example.org"),
		newKey(kindRelatedAgent, "openid:http://o.example/m"), // sub-statement group member
		newKey(kindRelatedActiv, "http://act.example/sub"),
		newKey(kindRelatedActiv, "http://act.example/p"), // a 1.0.x single object
		newKey(kindRelatedAgent, "account:http://h\x00app"),
		newKey(kindRelatedAgent, "mbox:mailto:u@example.org"),
		newKey(kindAuthority, "group:account:http://h\x00app\x01mbox:mailto:u@example.org"),
		newKey(kindRelatedAgent, "mbox:mailto:c@example.org"),
		newKey(kindRelatedActiv, "http://act.example/g"),
		newKey(kindRegistration, "6d7a6b2e-5f1c-4f7e-9d3a-0c1b2a3d4e5f"),
	}
	got := map[key]bool{}
	for _, k := range e.keys.list {
		got[k] = true
	}
	for i, k := range want {
		if !got[k] {
			t.Errorf("key %d (kind %c) missing", i, k.kind)
		}
	}
	if len(e.keys.list) != len(want) {
		t.Errorf("%d keys, want %d", len(e.keys.list), len(want))
	}
	if e.voiding || e.target != "" {
		t.Errorf("voiding %v target %q", e.voiding, e.target)
	}
}

func TestDecodeIndexedRefusesWhatIsNotAStatementObject(t *testing.T) {
	for _, doc := range []string{`[]`, `"x"`, `{"id":1}`, `{"id":"a"} {}`, `{"id":`} {
		if _, err := decodeIndexed([]byte(doc)); err == nil {
			t.Errorf("%s: decoded", doc)
		}
	}
}
