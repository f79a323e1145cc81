package sealing_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
)

func newMemKeys() *sealingtest.Keys { return sealingtest.NewKeys() }

// full has a person in every place a statement can hold one.
const full = `{"id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee","actor":{"objectType":"Agent","name":"Nguyễn Văn An","mbox":"mailto:an@example.vn"},
"verb":{"id":"http://adlnet.gov/expapi/verbs/mentored","display":{"vi":"kèm cặp"}},
"object":{"objectType":"Group","name":"Tổ CNS Phường 1","account":{"homePage":"https://hocvu.vn","name":"to-cns-p1"},"member":[{"name":"Trần Thị Bình","account":{"homePage":"https://hocvu.vn","name":"binh.tt"}},{"mbox_sha1sum":"ebd31e95054c018b10727ccffd2ef2ec3a016ee9","name":"Lê Cường"}]},
"result":{"score":{"scaled":0.75,"raw":7.5},"response":"tốt"},
"context":{"instructor":{"name":"Phạm Dũng","openid":"https://id.example.vn/dung"},
 "team":{"objectType":"Group","member":[{"name":"Hoàng Em","mbox":"mailto:em@example.vn"},{"name":"Nguyễn Văn An","mbox":"mailto:an@example.vn"}]},
 "contextAgents":[{"objectType":"contextAgent","agent":{"name":"Võ Giang","mbox":"mailto:giang@example.vn"},"relevantTypes":["https://w3id.org/xapi/cmi5/activitytype/course"]}],
 "contextGroups":[{"objectType":"contextGroup","group":{"objectType":"Group","name":"Lớp A","mbox":"mailto:lop-a@example.vn","member":[{"mbox":"mailto:hoa@example.vn","name":"Đỗ Hoa"}]}}],
 "extensions":{"https://hocvu.vn/ext/household":"hh-001"}},
"timestamp":"2026-03-01T08:00:00Z","stored":"2026-03-01T08:00:01Z",
"authority":{"objectType":"Agent","name":"portal","account":{"homePage":"https://hocvu.vn/credentials","name":"portal-key"}},"version":"2.0.0"}`

// sub has people inside a SubStatement.
const sub = `{"actor":{"mbox":"mailto:an@example.vn","name":"Nguyễn Văn An"},"verb":{"id":"http://adlnet.gov/expapi/verbs/planned"},
"object":{"objectType":"SubStatement","actor":{"name":"Trần Thị Bình","account":{"homePage":"https://hocvu.vn","name":"binh.tt"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},
"object":{"objectType":"Agent","mbox":"mailto:em@example.vn"},"context":{"instructor":{"mbox":"mailto:dung@example.vn","name":"Phạm Dũng"}}}}`

// personal lists what must not appear in a sealed statement.
var personal = []string{
	"Nguyễn Văn An", "an@example.vn", "Tổ CNS Phường 1", "to-cns-p1", "Trần Thị Bình", "binh.tt",
	"ebd31e95054c018b10727ccffd2ef2ec3a016ee9", "Lê Cường", "Phạm Dũng", "id.example.vn/dung",
	"Hoàng Em", "em@example.vn", "Võ Giang", "giang@example.vn", "Lớp A", "lop-a@example.vn",
	"hoa@example.vn", "Đỗ Hoa", "dung@example.vn",
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func TestSealHidesEveryPersonAndOpenRestoresThem(t *testing.T) {
	ctx := context.Background()
	for name, st := range map[string]string{"full": full, "substatement": sub} {
		t.Run(name, func(t *testing.T) {
			ks := newMemKeys()
			sealed, err := sealing.Seal(ctx, ks, []byte(st))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range personal {
				if strings.Contains(string(sealed), p) {
					t.Errorf("sealed statement holds %q: %s", p, sealed)
				}
			}
			if name == "full" {
				// Kept as they were: the authority and the rest.
				for _, keep := range []string{"portal-key", "kèm cặp", "hh-001", `"raw":7.5`} {
					if !strings.Contains(string(sealed), keep) {
						t.Errorf("sealed statement lost %q: %s", keep, sealed)
					}
				}
			}
			opened, err := sealing.Open(ctx, ks, sealed)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := decode(t, opened), decode(t, []byte(st)); !reflect.DeepEqual(got, want) {
				t.Errorf("opened statement differs\n got %s\nwant %s", opened, st)
			}
			// Everything but the people is kept byte for byte: the verb,
			// result and extensions appear exactly as sent.
			for _, part := range []string{`"verb":{"id":"http://adlnet.gov/expapi/verbs/`, `"result":{"score":{"scaled":0.75,"raw":7.5},"response":"tốt"}`} {
				if strings.Contains(st, part) && !strings.Contains(string(sealed), part) {
					t.Errorf("sealing re-encoded %s", part)
				}
			}
		})
	}
}

func TestSameSubjectAndKeyWhereverAPersonAppears(t *testing.T) {
	ks := newMemKeys()
	sealed, err := sealing.Seal(context.Background(), ks, []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, sealed)
	actor := m["actor"].(map[string]any)["hocvu:sealed"].(map[string]any)
	team := m["context"].(map[string]any)["team"].(map[string]any)["member"].([]any)[1].(map[string]any)["hocvu:sealed"].(map[string]any)
	if actor["s"] != ks.Subject("mbox:mailto:an@example.vn") {
		t.Errorf("actor subject %v, want the keyed hash of the mbox", actor["s"])
	}
	if actor["s"] != team["s"] || actor["k"] != team["k"] {
		t.Errorf("the same person sealed as %v and %v", actor, team)
	}
	if actor["c"] == team["c"] {
		t.Error("two seals of the same person share a ciphertext (nonce reuse)")
	}
}

func TestErasedPersonOpensAsAStablePlaceholder(t *testing.T) {
	ctx := context.Background()
	ks := newMemKeys()
	sealed, err := sealing.Seal(ctx, ks, []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	keyID := ks.Destroy("mbox:mailto:an@example.vn")
	opened, err := sealing.Open(ctx, ks, sealed)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Nguyễn Văn An", "an@example.vn"} {
		if bytes.Contains(opened, []byte(p)) {
			t.Errorf("erased person's %q still opens: %s", p, opened)
		}
	}
	m := decode(t, opened)
	want := map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": sealing.ErasedHomePage, "name": keyID}}
	if got := m["actor"]; !reflect.DeepEqual(got, want) {
		t.Errorf("actor = %v, want %v", got, want)
	}
	if got := m["context"].(map[string]any)["team"].(map[string]any)["member"].([]any)[1]; !reflect.DeepEqual(got, want) {
		t.Errorf("team member = %v, want the same placeholder %v", got, want)
	}
	// Everyone else is intact.
	orig := decode(t, []byte(full))
	for _, path := range [][]string{{"object"}, {"context", "instructor"}, {"context", "contextGroups"}} {
		if got, want := dig(m, path), dig(orig, path); !reflect.DeepEqual(got, want) {
			t.Errorf("%v = %v, want %v", path, got, want)
		}
	}
	if got, want := dig(m, []string{"context", "team", "member"}).([]any)[0], dig(orig, []string{"context", "team", "member"}).([]any)[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("other team member = %v, want %v", got, want)
	}
}

func dig(m map[string]any, path []string) any {
	var v any = m
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	return v
}

func TestUnsealedStatementOpensUnchanged(t *testing.T) {
	compact, err := sealing.Open(context.Background(), newMemKeys(), []byte(sub))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(compact, []byte(sub)) {
		t.Errorf("got %s, want the same bytes %s", compact, sub)
	}
}

func TestSealRefusesASealedAgent(t *testing.T) {
	ks := newMemKeys()
	sealed, err := sealing.Seal(context.Background(), ks, []byte(sub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealing.Seal(context.Background(), ks, sealed); !errors.Is(err, sealing.ErrAlreadySealed) {
		t.Errorf("sealing twice: %v, want ErrAlreadySealed", err)
	}
}

func TestDamagedCiphertextIsAnErrorNotAPlaceholder(t *testing.T) {
	ctx := context.Background()
	ks := newMemKeys()
	sealed, err := sealing.Seal(ctx, ks, []byte(sub))
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, sealed)
	env := m["actor"].(map[string]any)["hocvu:sealed"].(map[string]any)
	c := []byte(env["c"].(string))
	c[len(c)/2] ^= 'A' ^ 'B'
	if c[len(c)/2] == '-' || c[len(c)/2] == '_' {
		c[len(c)/2] = 'Q'
	}
	env["c"] = string(c)
	damaged, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealing.Open(ctx, ks, damaged); !errors.Is(err, sealing.ErrDamaged) || errors.Is(err, keys.ErrNoKey) {
		t.Errorf("open of a damaged ciphertext: %v, want ErrDamaged", err)
	}
	// A ciphertext moved to another subject fails too (the subject is
	// authenticated data).
	env["c"] = m["object"].(map[string]any)["actor"].(map[string]any)["hocvu:sealed"].(map[string]any)["c"]
	moved, _ := json.Marshal(m)
	if _, err := sealing.Open(ctx, ks, moved); !errors.Is(err, sealing.ErrDamaged) {
		t.Errorf("a ciphertext moved to another agent: %v, want ErrDamaged", err)
	}
}
