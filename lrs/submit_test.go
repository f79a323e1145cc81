package lrs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// emptyLookup is a statement read model that holds nothing and is always
// caught up: every id is new.
type emptyLookup struct{}

func (emptyLookup) LookupStatement(context.Context, uuid.UUID) ([]byte, bool, error) {
	return nil, false, nil
}
func (emptyLookup) WaitFor(context.Context, eventstore.Position) error { return nil }
func (emptyLookup) LastStored() time.Time                              { return time.Time{} }

// newService returns a statement service over a real writer and store.
func newService(t *testing.T, maxBatch int) (*lrs.StatementService, *pebblestore.Store) {
	t.Helper()
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := lrs.NewStatementWriter(store, emptyLookup{}, lrs.WriterOptions{})
	t.Cleanup(func() {
		w.Close()
		_ = store.Close()
	})
	return lrs.NewStatementService(lrs.ServiceOptions{Writer: w, Visibility: emptyLookup{}, MaxBatch: maxBatch}), store
}

func statementJSON(id, verb string) string {
	idMember := ""
	if id != "" {
		idMember = fmt.Sprintf(`"id":%q,`, id)
	}
	return fmt.Sprintf(`{%s"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/%s"},"object":{"id":"https://hoctap.example/bai-1"}}`, idMember, verb)
}

// stored reads back the statements the service appended, in order.
func stored(t *testing.T, store *pebblestore.Store) []map[string]any {
	t.Helper()
	evs, err := store.ReadStream(context.Background(), lrs.StatementsStream, eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(evs))
	for i, ev := range evs {
		if err := json.Unmarshal(ev.Data, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var authority = map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://lrs.test/", "name": "key-1"}}

// The service sets what the LRS owns: a POSTed statement without an id
// gets a UUID, one with an id keeps it, authority is always the
// credential's, and a missing version follows the request's xAPI version.
func TestServiceSetsLRSProperties(t *testing.T) {
	svc, store := newService(t, 0)
	given := uuid.NewString()
	body := fmt.Sprintf(`[%s,%s]`, statementJSON(given, "completed"),
		`{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"https://hoctap.example/bai-1"},"authority":{"mbox":"mailto:forged@example.com"},"version":"1.0.3"}`)
	ids, err := svc.Store(context.Background(), &lrs.Submission{
		Statements: []byte(body), Version: xapi.V103, Authority: authority, Credential: "key-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != given {
		t.Fatalf("ids = %v, want %s first", ids, given)
	}
	if _, err := uuid.Parse(ids[1]); err != nil {
		t.Fatalf("assigned id %q is not a UUID", ids[1])
	}
	sts := stored(t, store)
	if len(sts) != 2 {
		t.Fatalf("%d statements stored, want 2", len(sts))
	}
	for i, st := range sts {
		if st["id"] != ids[i] {
			t.Errorf("statement %d stored with id %v, want %s", i, st["id"], ids[i])
		}
		auth, _ := st["authority"].(map[string]any)
		acc, _ := auth["account"].(map[string]any)
		if acc["name"] != "key-1" {
			t.Errorf("statement %d authority = %v, want the credential's", i, st["authority"])
		}
	}
	if sts[0]["version"] != "1.0.0" || sts[1]["version"] != "1.0.3" {
		t.Errorf("versions = %v, %v; want 1.0.0 (set for xAPI 1.0.3) and 1.0.3 (as sent)", sts[0]["version"], sts[1]["version"])
	}
}

// A PUT stores its statement under statementId, also when the body has
// no id.
func TestServicePutUsesStatementID(t *testing.T) {
	svc, store := newService(t, 0)
	id := uuid.New()
	ids, err := svc.Store(context.Background(), &lrs.Submission{
		Statements: []byte(statementJSON("", "completed")), PutID: &id, Version: xapi.V200, Authority: authority,
	})
	if err != nil {
		t.Fatal(err)
	}
	sts := stored(t, store)
	if len(ids) != 1 || ids[0] != id.String() || len(sts) != 1 || sts[0]["id"] != id.String() || sts[0]["version"] != "2.0.0" {
		t.Fatalf("ids %v, stored %v; want one statement %s of version 2.0.0", ids, sts, id)
	}
}

// What breaks a rule is refused with its kind (and so its status), under
// the operation's name, and nothing of the request is stored.
func TestServiceRefusesBeforeStoring(t *testing.T) {
	putID := uuid.New()
	ok := statementJSON("", "completed")
	for _, tc := range []struct {
		name  string
		body  string
		put   bool
		kind  lrs.Kind
		op    string
		rules []string
	}{
		{name: "array in a PUT", body: "[" + ok + "]", put: true, kind: lrs.KindInvalid, op: "put statement"},
		{name: "PUT id differs", body: statementJSON(uuid.NewString(), "completed"), put: true, kind: lrs.KindInvalid, op: "put statement"},
		{name: "empty array", body: "[]", kind: lrs.KindInvalid, op: "post statements"},
		{name: "over the batch limit", body: "[" + ok + "," + ok + "," + ok + "]", kind: lrs.KindTooLarge, op: "post statements"},
		{name: "not a statement", body: `"text"`, kind: lrs.KindInvalid, op: "post statements"},
		{name: "item not an object", body: "[" + ok + ",1]", kind: lrs.KindInvalid, op: "post statements"},
		{name: "not JSON", body: `{"actor":`, kind: lrs.KindInvalid, op: "post statements"},
		{name: "repeated property", body: `{"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"actor":{"mbox":"mailto:an@example.com"},"object":{"id":"https://hoctap.example/bai-1"}}`,
			kind: lrs.KindInvalid, op: "post statements", rules: []string{"json.duplicate-key"}},
		{name: "invalid statement", body: `{"actor":{"mbox":"an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`,
			kind: lrs.KindInvalid, op: "post statements"},
		{name: "attachment without its part", body: `{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"},"attachments":[{"usageType":"http://example.com/u","display":{"en-US":"a"},"contentType":"text/plain","length":1,"sha2":"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"}]}`,
			kind: lrs.KindInvalid, op: "post statements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, store := newService(t, 2)
			sub := &lrs.Submission{Statements: []byte(tc.body), Version: xapi.V200, Authority: authority}
			if tc.put {
				sub.PutID = &putID
			}
			_, err := svc.Store(context.Background(), sub)
			var le *lrs.Error
			if !errors.As(err, &le) || le.Kind != tc.kind || le.Op != tc.op {
				t.Fatalf("err = %v; want an lrs.Error of kind %d from %q", err, tc.kind, tc.op)
			}
			for _, rule := range tc.rules {
				if len(le.Problems) == 0 || le.Problems[0].Rule != rule {
					t.Errorf("problems = %v; want rule %s first", le.Problems, rule)
				}
			}
			if sts := stored(t, store); len(sts) != 0 {
				t.Fatalf("%d statements stored from a refused request", len(sts))
			}
		})
	}
}
