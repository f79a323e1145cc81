package documents_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/documents"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var goldenKey = documents.Key{
	Resource: documents.State, ActivityID: "https://hoctap.example/bai-1", Agent: "mbox:mailto:an@example.com",
	Registration: "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", ID: "tiến độ",
}

// TestStreamNameIsStable pins the key → stream mapping: it is a stored
// format (documents written before must be found after an upgrade).
func TestStreamNameIsStable(t *testing.T) {
	const want = "xapi-doc-c51f5d40c64da7c043b8972dace19ed8d04c10297af7c72746eec04c3f7266de"
	got := goldenKey.Stream()
	if got != want {
		t.Fatalf("stream name of the golden key changed: %s, pinned %s", got, want)
	}
	// Field boundaries matter: moving a character between fields changes the stream.
	k2 := goldenKey
	k2.ActivityID, k2.Agent = goldenKey.ActivityID+"m", goldenKey.Agent[1:]
	if k2.Stream() == goldenKey.Stream() {
		t.Fatal("different keys share a stream")
	}
	if err := eventstore.ValidateStreamName(got); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenEvents pins the JSON of every document event type: stored
// formats are permanent.
func TestGoldenEvents(t *testing.T) {
	updated := time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)
	cases := []struct {
		file string
		typ  string
		data any
	}{
		{"set.v1.json", documents.EventDocumentSet, documents.SetData{
			KeyData:     documents.KeyData(goldenKey),
			ContentType: "application/json", Size: 7,
			SHA256: "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
			SHA1:   "9f89c740ceb46d7418c924a78ac57941d5e96520", Updated: updated, Merged: true,
		}},
		{"deleted.v1.json", documents.EventDocumentDeleted, documents.DeletedData{
			KeyData: documents.KeyData{Resource: documents.AgentProfile, Agent: "account:https://hoctap.example\x00an", ID: "hồ sơ"},
			Updated: updated, All: false,
		}},
		{"meta.v1.json", "", documents.Meta{Credential: "hv_0123", XAPIVersion: "2.0.0", Method: "POST"}},
	}
	for _, c := range cases {
		got, err := json.MarshalIndent(c.data, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", c.file)
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != string(got)+"\n" {
			t.Errorf("%s changed:\n%s\nwant:\n%s", c.file, got, want)
		}
		if c.typ == "" {
			continue
		}
		d, ok, err := documents.Decode(&eventstore.RecordedEvent{ID: uuid.New(), Type: c.typ, Data: want})
		if err != nil || !ok {
			t.Fatalf("%s: decode: %v %v", c.file, ok, err)
		}
		var back any = d.Set
		if d.Deleted != nil {
			back = d.Deleted
		}
		again, _ := json.MarshalIndent(back, "", "  ")
		if string(again) != string(got) {
			t.Errorf("%s does not round-trip: %s", c.file, again)
		}
	}
	if _, ok, err := documents.Decode(&eventstore.RecordedEvent{Type: "xapi.document.future.v9"}); ok || err != nil {
		t.Errorf("an unknown type must be skipped, got %v %v", ok, err)
	}
}

func TestAgentKey(t *testing.T) {
	for _, c := range []struct {
		agent map[string]any
		key   string
		ok    bool
	}{
		{map[string]any{"mbox": "mailto:an@example.com", "name": "An"}, "mbox:mailto:an@example.com", true},
		{map[string]any{"mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9"}, "mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9", true},
		{map[string]any{"openid": "https://openid.example/an"}, "openid:https://openid.example/an", true},
		{map[string]any{"account": map[string]any{"homePage": "https://h.example", "name": "an"}}, "account:https://h.example\x00an", true},
		{map[string]any{"name": "nobody"}, "", false},
	} {
		key, ok := documents.AgentKey(c.agent)
		if key != c.key || ok != c.ok {
			t.Errorf("AgentKey(%v) = %q %v, want %q %v", c.agent, key, ok, c.key, c.ok)
		}
	}
}

func TestParseConditions(t *testing.T) {
	c := documents.ParseConditions(`"a", W/"b",c, "d,e"`, "*")
	if c.IfMatch == nil || c.IfMatch.Any || len(c.IfMatch.Tags) != 4 {
		t.Fatalf("If-Match %+v", c.IfMatch)
	}
	want := []documents.EntityTag{{Opaque: "a"}, {Opaque: "b", Weak: true}, {Opaque: "c"}, {Opaque: "d,e"}}
	for i, tag := range c.IfMatch.Tags {
		if tag != want[i] {
			t.Errorf("tag %d = %+v, want %+v", i, tag, want[i])
		}
	}
	if c.IfNoneMatch == nil || !c.IfNoneMatch.Any {
		t.Errorf("If-None-Match %+v", c.IfNoneMatch)
	}
	if none := documents.ParseConditions("", "  "); none.Present() {
		t.Errorf("empty headers are absent: %+v", none)
	}
	if documents.ETag("ab") != `"ab"` {
		t.Error("ETag is not quoted")
	}
}

func TestPerson(t *testing.T) {
	p := documents.Person(map[string]any{"objectType": "Agent", "name": "An", "mbox": "mailto:an@example.com"})
	b, _ := json.Marshal(p)
	if string(b) != `{"mbox":["mailto:an@example.com"],"name":["An"],"objectType":"Person"}` {
		t.Errorf("Person %s", b)
	}
}
