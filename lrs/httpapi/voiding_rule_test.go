package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// TestVoidingAVoidingStatementIsRefused checks Data 2.3.2 (IEEE 9274.1.1
// 4.2.5): "Any Statement that voids another cannot itself be voided".
// Hocvu refuses a voiding statement whose target is a voiding statement
// with 400 naming rule voiding.target-is-voiding and stores nothing of the
// request: the target stored before, in the same batch (before or after
// it, or the statement itself), by PUT and by POST. A voiding statement
// whose target is unknown is still stored (Data 2.3.2.s2.b5).
func TestVoidingAVoidingStatementIsRefused(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	voids := func(target string) map[string]any {
		return map[string]any{
			"id":     uuid.NewString(),
			"actor":  map[string]any{"mbox": "mailto:admin@example.com"},
			"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided", "display": map[string]any{"en-US": "voided"}},
			"object": map[string]any{"objectType": "StatementRef", "id": target},
		}
	}
	refused := func(t *testing.T, r response, path string, notStored ...map[string]any) {
		t.Helper()
		expect(t, r, 400)
		if !hasProblem(t, r, path, "voiding.target-is-voiding") {
			t.Errorf("error does not name %s and voiding.target-is-voiding: %s", path, r.body)
		}
		for _, st := range notStored {
			for _, param := range []string{"statementId", "voidedStatementId"} {
				expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{param: {st["id"].(string)}}}), 404)
			}
		}
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			post := func(body any) response {
				return s.do(call{method: "POST", path: "/xapi/statements", body: body, version: v})
			}
			target := s.postAs(v, statement("an", "completed", "bai-1"))
			first := voids(target)
			s.postAs(v, first)

			// The target is stored: by POST, by PUT, in a batch.
			second := voids(first["id"].(string))
			refused(t, post(second), "/0/object/id", second)
			refused(t, s.do(call{method: "PUT", path: "/xapi/statements", query: url.Values{"statementId": {second["id"].(string)}}, body: second, version: v}), "/0/object/id", second)
			ok := statement("an", "completed", "bai-2")
			ok["id"] = uuid.NewString()
			refused(t, post([]any{ok, second}), "/1/object/id", ok, second)
			// An uppercase reference is the same statement.
			upper := voids(strings.ToUpper(first["id"].(string)))
			refused(t, post(upper), "/0/object/id", upper)

			// The target is in the same batch, before or after.
			other := statement("an", "completed", "bai-3")
			other["id"] = uuid.NewString()
			a := voids(other["id"].(string))
			b := voids(a["id"].(string))
			refused(t, post([]any{other, a, b}), "/2/object/id", other, a, b)
			refused(t, post([]any{b, a, other}), "/0/object/id", other, a, b)
			// A statement that voids itself.
			self := voids("")
			self["object"].(map[string]any)["id"] = self["id"]
			refused(t, post(self), "/0/object/id", self)

			// Nothing changed: the target is still voided, the first
			// voiding statement still there and not voided.
			expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"voidedStatementId": {target}}, version: v}), 200)
			expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {first["id"].(string)}}, version: v}), 200)
			// Voiding a statement the LRS does not know is stored.
			s.postAs(v, voids(uuid.NewString()))
		})
	}
}
