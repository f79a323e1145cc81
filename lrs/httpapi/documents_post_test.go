package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// notJSONObjects are bodies sent as application/json that are not one JSON
// object.
var notJSONObjects = []string{`{"a":1}[`, `{"a":`, `[1,2]`, `"s"`, `null`, `1`, ``, `{"a":1}{"b":2}`}

// TestDocumentPostMustBeAJSONObject checks 1.0.3 Communication 2.2.s8.b1
// (IEEE 9274.1.1 4.1.6.2, 4.1.6.5, 4.1.6.6): a POST declared
// application/json whose body cannot be parsed as a JSON object gets 400
// and does not update the target document, whether the document exists or
// not, on the State, Activity Profile and Agent Profile resources.
func TestDocumentPostMustBeAJSONObject(t *testing.T) {
	t.Parallel()
	for _, r := range allRes {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := newLRS(t, httpapi.Limits{})
			for _, v := range versions {
				for i, body := range notJSONObjects {
					// Content-Type parameters do not matter.
					ct := []string{"application/json", "application/json; charset=utf-8"}[i%2]
					// Absent: nothing is stored, not even an event.
					id := fmt.Sprintf("absent-%s-%d", v, i)
					res := s.do(call{method: "POST", path: r.path, query: r.q(id), body: body, contentType: ct, version: v})
					if res.status != 400 {
						t.Errorf("%s POST %q (%s) to an absent document: %d, want 400", v, body, ct, res.status)
					}
					expect(t, s.getDoc(r, id, v), 404)
					if _, err := s.store.ReadStream(context.Background(), r.key(id).Stream(), eventstore.ReadStreamOptions{FromEnd: true, Direction: eventstore.Backwards, Max: 1}); !errors.Is(err, eventstore.ErrStreamNotFound) {
						t.Errorf("%s POST %q to an absent document appended an event (%v)", v, body, err)
					}
					// Present: unchanged.
					id = "present-" + v
					if s.getDoc(r, id, v).status == 404 {
						s.create(r, id, "application/json", []byte(`{"x":"foo"}`), v)
					}
					before := s.getDoc(r, id, v)
					res = s.do(call{method: "POST", path: r.path, query: r.q(id), body: body, contentType: ct, version: v})
					if res.status != 400 {
						t.Errorf("%s POST %q (%s) to a JSON document: %d, want 400", v, body, ct, res.status)
					}
					if after := s.getDoc(r, id, v); string(after.body) != string(before.body) || after.header.Get("ETag") != before.header.Get("ETag") {
						t.Errorf("%s: a refused POST changed the document to %s", v, after.body)
					}
				}
				// A valid object is still stored, or merged.
				expect(t, s.do(call{method: "POST", path: r.path, query: r.q("new-" + v), body: `{"y":"bar"}`, contentType: "application/json", version: v}), 204)
				expect(t, s.do(call{method: "POST", path: r.path, query: r.q("present-" + v), body: `{"y":"bar"}`, contentType: "application/json", version: v}), 204)
				if got := s.getDoc(r, "present-"+v, v); string(got.body) != `{"x":"foo","y":"bar"}` {
					t.Errorf("%s: merged to %s", v, got.body)
				}
			}
		})
	}
}

// TestDocumentPostIntoAStoredNonJSONDocument checks the other half of 1.0.3
// Communication 2.2.s8.b1: when the stored document cannot be parsed as a
// JSON object, although its Content-Type is application/json (a PUT
// stores any bytes; earlier versions also stored such POSTs), a JSON POST
// gets 400 and the document stays as it is.
func TestDocumentPostIntoAStoredNonJSONDocument(t *testing.T) {
	t.Parallel()
	for _, r := range allRes {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := newLRS(t, httpapi.Limits{})
			for _, v := range versions {
				for i, stored := range notJSONObjects[:4] {
					id := fmt.Sprintf("broken-%s-%d", v, i)
					s.create(r, id, "application/json", []byte(stored), v)
					before := s.getDoc(r, id, v)
					res := s.do(call{method: "POST", path: r.path, query: r.q(id), body: `{"a":1}`, contentType: "application/json", version: v})
					if res.status != 400 {
						t.Errorf("%s: JSON POST into stored %q: %d, want 400", v, stored, res.status)
					}
					if after := s.getDoc(r, id, v); string(after.body) != stored || after.header.Get("ETag") != before.header.Get("ETag") {
						t.Errorf("%s: the refused POST changed %q to %q", v, stored, after.body)
					}
				}
			}
		})
	}
}
