package documents_test

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // the ETag the spec defines
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
	"github.com/hocvu/hocvu/schemas"
)

const (
	personAgent = "mbox:mailto:nguyen.van.a@example.vn"
	personName  = "Nguyễn Văn A"
	otherAgent  = "mbox:mailto:tran.thi.b@example.vn"
)

var (
	personState   = documents.Key{Resource: documents.State, ActivityID: "https://hoctap.example/bai-1", Agent: personAgent, ID: "tiến độ"}
	personProfile = documents.Key{Resource: documents.AgentProfile, Agent: personAgent, ID: "hồ sơ"}
	otherState    = documents.Key{Resource: documents.State, ActivityID: "https://hoctap.example/bai-1", Agent: otherAgent, ID: "tiến độ"}
)

// filesHolding returns the files under dir whose bytes hold s.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(s)) {
			found = append(found, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func put(t *testing.T, s *service, key documents.Key, body string, c documents.Conditions) *documents.Document {
	t.Helper()
	d, err := s.Write(context.Background(), &documents.WriteRequest{Key: key, Method: http.MethodPut, Content: []byte(body),
		ContentType: "application/json", Conditions: c, Version: schemas.V200})
	if err != nil {
		t.Fatalf("PUT %s %s: %v", key.Resource, key.ID, err)
	}
	return d
}

func ifMatch(t *testing.T, etag string) documents.Conditions {
	t.Helper()
	return documents.ParseConditions(etag, "")
}

func ifNoneMatchAny(t *testing.T) documents.Conditions {
	t.Helper()
	return documents.ParseConditions("", "*")
}

func list(t *testing.T, s *service, q documents.ListQuery) []string {
	t.Helper()
	ids, err := s.List(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func sha1Hex(b string) string {
	h := sha1.Sum([]byte(b)) //nolint:gosec // the ETag the spec defines
	return hex.EncodeToString(h[:])
}

// erase destroys the person's key and records the erasure, as
// privacy/erasure does, and waits until the index applied it.
func erase(t *testing.T, s *service, keys *sealingtest.Keys, agent string) {
	t.Helper()
	ctx := context.Background()
	if keys.Destroy(agent) == "" {
		t.Fatalf("%s had no key", agent)
	}
	data, _ := json.Marshal(erasure.Erased{Subject: keys.Subject(agent), By: "test"})
	res, err := s.store.Append(ctx, erasure.Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: erasure.EventErased, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.run.WaitFor(ctx, res.Position); err != nil {
		t.Fatal(err)
	}
}

// TestSealedDocumentsKeepNoPersonalData: with a sealer, the State and
// Agent Profile documents of a person work as xAPI says (GET, ETag as the
// SHA-1 of the content, If-Match, POST merge, list), while neither the
// log nor the blobs hold the person's identifier or the content in
// clear; the same documents stored without a sealer do (the control).
// After the person's erasure their documents are gone (GET 404, not
// listed, If-None-Match: * holds), the other person's are not, and the
// person can store new documents.
func TestSealedDocumentsKeepNoPersonalData(t *testing.T) {
	ctx := context.Background()
	body := `{"name":"` + personName + `","progress":1}`
	for _, sealed := range []bool{false, true} {
		dir := t.TempDir()
		keys := sealingtest.NewKeys()
		var sealer *sealing.Content
		if sealed {
			sealer = &sealing.Content{Keys: keys}
		}
		s := openService(t, dir, sealer)
		d := put(t, s, personState, body, documents.Conditions{})
		put(t, s, personProfile, body, ifNoneMatchAny(t))
		put(t, s, otherState, `{"progress":2}`, documents.Conditions{})
		if d.SHA1 != sha1Hex(body) {
			t.Errorf("sealed=%v: ETag %s, want the SHA-1 of the content %s", sealed, d.SHA1, sha1Hex(body))
		}
		got, rc, err := s.Get(ctx, personState)
		if err != nil {
			t.Fatal(err)
		}
		_ = rc.Close()
		if got.SHA1 != sha1Hex(body) || got.Size != int64(len(body)) {
			t.Errorf("sealed=%v: GET has ETag %s size %d, want %s %d", sealed, got.SHA1, got.Size, sha1Hex(body), len(body))
		}
		if c := string(s.content(t, personState)); c != body {
			t.Errorf("sealed=%v: GET %s, want %s", sealed, c, body)
		}
		// POST merges into the sealed document; If-Match takes its ETag.
		if _, err := s.Write(ctx, &documents.WriteRequest{Key: personProfile, Method: http.MethodPost, Content: []byte(`{"level":2}`),
			ContentType: "application/json", Version: schemas.V200}); err != nil {
			t.Fatal(err)
		}
		merged := `{"level":2,"name":"` + personName + `","progress":1}`
		if c := string(s.content(t, personProfile)); c != merged {
			t.Errorf("sealed=%v: merged %s, want %s", sealed, c, merged)
		}
		put(t, s, personProfile, merged, ifMatch(t, documents.ETag(sha1Hex(merged))))
		if ids := list(t, s, documents.ListQuery{Resource: documents.State, ActivityID: personState.ActivityID, Agent: personAgent}); !slices.Equal(ids, []string{personState.ID}) {
			t.Errorf("sealed=%v: State ids %v", sealed, ids)
		}
		keysOf, err := s.index.PersonDocuments(ctx, personAgent)
		if err != nil {
			t.Fatal(err)
		}
		if len(keysOf) != 2 {
			t.Errorf("sealed=%v: the index finds %d documents of the person, want 2: %v", sealed, len(keysOf), keysOf)
		}
		s.stop()

		for _, secret := range []string{personName, "nguyen.van.a@example.vn"} {
			found := filesHolding(t, dir, secret)
			if sealed && len(found) > 0 {
				t.Errorf("sealed: %q is in clear in %v", secret, found)
			}
			if !sealed && len(found) == 0 {
				t.Errorf("clear (control): %q is in no file; the scan cannot see it", secret)
			}
		}
		if !sealed {
			continue
		}

		s = openService(t, dir, sealer)
		erase(t, s, keys, personAgent)
		for _, k := range []documents.Key{personState, personProfile} {
			if _, _, err := s.Get(ctx, k); lrs.KindOf(err) != lrs.KindNotFound {
				t.Errorf("erased %s: GET %v, want not found", k.Resource, err)
			}
		}
		if ids := list(t, s, documents.ListQuery{Resource: documents.AgentProfile, Agent: personAgent}); len(ids) != 0 {
			t.Errorf("erased: Agent Profile ids %v", ids)
		}
		if ids := list(t, s, documents.ListQuery{Resource: documents.State, ActivityID: personState.ActivityID, Agent: personAgent}); len(ids) != 0 {
			t.Errorf("erased: State ids %v", ids)
		}
		if keysOf, err := s.index.PersonDocuments(ctx, personAgent); err != nil || len(keysOf) != 0 {
			t.Errorf("erased: the index still finds %v (%v)", keysOf, err)
		}
		if c := string(s.content(t, otherState)); c != `{"progress":2}` {
			t.Errorf("the other person's document is now %q", c)
		}
		// The person is gone, so creating their profile anew holds.
		put(t, s, personProfile, `{"fresh":true}`, ifNoneMatchAny(t))
		if c := string(s.content(t, personProfile)); c != `{"fresh":true}` {
			t.Errorf("after the erasure, a new profile reads %q", c)
		}
		if ids := list(t, s, documents.ListQuery{Resource: documents.AgentProfile, Agent: personAgent}); !slices.Equal(ids, []string{personProfile.ID}) {
			t.Errorf("after the erasure, the new profile lists as %v", ids)
		}
	}
}

// TestDocumentsStoredBeforeSealing: documents of a person stored in clear
// stay readable, listed and writable once sealing is turned on (the index
// rebuilds itself under the new mode); the first write or delete moves
// them to the sealed stream, and a delete is not undone by the clear copy.
func TestDocumentsStoredBeforeSealing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openService(t, dir, nil)
	old := put(t, s, personState, `{"v":"old"}`, documents.Conditions{})
	put(t, s, personProfile, `{"p":"old"}`, ifNoneMatchAny(t))
	s.stop()

	keys := sealingtest.NewKeys()
	s = openService(t, dir, &sealing.Content{Keys: keys})
	if c := string(s.content(t, personState)); c != `{"v":"old"}` {
		t.Fatalf("a clear document under sealing reads %q", c)
	}
	if ids := list(t, s, documents.ListQuery{Resource: documents.State, ActivityID: personState.ActivityID, Agent: personAgent}); !slices.Equal(ids, []string{personState.ID}) {
		t.Errorf("a clear document under sealing lists as %v", ids)
	}
	if ids := list(t, s, documents.ListQuery{Resource: documents.AgentProfile, Agent: personAgent}); !slices.Equal(ids, []string{personProfile.ID}) {
		t.Errorf("a clear profile under sealing lists as %v", ids)
	}
	// A write conditioned on the clear document's ETag replaces it.
	put(t, s, personState, `{"v":"new"}`, ifMatch(t, old.ETag()))
	if c := string(s.content(t, personState)); c != `{"v":"new"}` {
		t.Errorf("after the write, the document reads %q", c)
	}
	if s.events(t, documents.Key{Resource: personState.Resource, ActivityID: personState.ActivityID, Agent: xapi.SubjectKey(keys.Subject(personAgent)), ID: personState.ID}) != 1 {
		t.Error("the write did not go to the sealed stream")
	}
	// Deleting the clear profile hides it for good.
	if err := s.Delete(ctx, &documents.DeleteRequest{Key: personProfile, Version: schemas.V200}); err != nil {
		t.Fatal(err)
	}
	if c := s.content(t, personProfile); c != nil {
		t.Errorf("a deleted clear profile reads %q", c)
	}
	if ids := list(t, s, documents.ListQuery{Resource: documents.AgentProfile, Agent: personAgent}); len(ids) != 0 {
		t.Errorf("a deleted clear profile lists as %v", ids)
	}
	s.stop()
	// After a restart (and another rebuild of the index) the same holds.
	s = openService(t, dir, &sealing.Content{Keys: keys})
	if c := string(s.content(t, personState)); c != `{"v":"new"}` {
		t.Errorf("after a restart, the document reads %q", c)
	}
	if ids := list(t, s, documents.ListQuery{Resource: documents.AgentProfile, Agent: personAgent}); len(ids) != 0 {
		t.Errorf("after a restart, a deleted clear profile lists as %v", ids)
	}
}
