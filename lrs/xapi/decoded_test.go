package xapi

import (
	"encoding/json"
	"testing"
)

// The decoded Agent gives the same keys as AgentKey and AuthorityKey on
// the generic decode of the same JSON.
func TestDecodedAgentKeysMatchTheGenericOnes(t *testing.T) {
	for _, doc := range []string{
		`{"mbox":"mailto:a@example.org"}`,
		`{"mbox_sha1sum":"ABCDEF0123456789ABCDEF0123456789ABCDEF01"}`,
		`{"openid":"http://o.example/a"}`,
		`{"account":{"homePage":"http://h.example","name":"n"}}`,
		`{"objectType":"Group","member":[{"mbox":"mailto:b@example.org"},{"account":{"homePage":"http://h","name":"app"}}]}`,
		`{"objectType":"Group","mbox":"mailto:g@example.org","member":[{"mbox":"mailto:b@example.org"}]}`,
		`{"objectType":"Group","member":[]}`,
		`{}`,
	} {
		var a Agent
		var m map[string]any
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		k1, ok1 := a.Key()
		k2, ok2 := AgentKey(m)
		if k1 != k2 || ok1 != ok2 {
			t.Errorf("%s: Key %q %v, AgentKey %q %v", doc, k1, ok1, k2, ok2)
		}
		a1, aok1 := a.AuthorityKey()
		a2, aok2 := AuthorityKey(m)
		if a1 != a2 || aok1 != aok2 {
			t.Errorf("%s: AuthorityKey %q %v, generic %q %v", doc, a1, aok1, a2, aok2)
		}
	}
}
