package kurrentkeys

import (
	"testing"
)

// TestGoldenEncodings pins the stored JSON of every event type: stored
// formats are forever.
func TestGoldenEncodings(t *testing.T) {
	for _, c := range []struct {
		typ  string
		v    any
		want string
	}{
		{EventKeyCreated, keyCreated{Wrapped: []byte{1, 2, 3}}, `{"wrapped":"AQID"}`},
		{EventKeyCurrent, keyCurrent{KeyID: "6f1c0a52-2f1e-4c3b-9a55-0b7c1d2e3f40"}, `{"keyId":"6f1c0a52-2f1e-4c3b-9a55-0b7c1d2e3f40"}`},
		{EventKeyDestroyed, keyDestroyed{KeyIDs: []string{"a", "b"}}, `{"keyIds":["a","b"]}`},
		{EventKeyMeta, keyMeta{Value: []byte("v")}, `{"value":"dg=="}`},
	} {
		ev := event(c.typ, c.v)
		if ev.Type != c.typ || string(ev.Data) != c.want {
			t.Errorf("%s: %s %s, want %s", c.typ, ev.Type, ev.Data, c.want)
		}
	}
}
