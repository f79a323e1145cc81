package peopleapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/privacy/peopleapi"
)

type fakeEraser struct {
	erased []string
	by     string
	err    error
}

func (f *fakeEraser) Erase(_ context.Context, id, by, ref string) (erasure.Record, error) {
	if f.err != nil {
		return erasure.Record{}, f.err
	}
	f.erased, f.by = append(f.erased, id), by
	return erasure.Record{Erased: erasure.Erased{Subject: "s1", By: by, Reference: ref}}, nil
}

func (f *fakeEraser) Records() []erasure.Record { return nil }

func serve(e peopleapi.Eraser, method, body string) *httptest.ResponseRecorder {
	ec := echo.New()
	peopleapi.Mount(ec.Group("/api/people"), e, nil, nil)
	req := httptest.NewRequest(method, "/api/people/erasures", strings.NewReader(body))
	req.SetBasicAuth("dpo", "secret")
	rec := httptest.NewRecorder()
	ec.ServeHTTP(rec, req)
	return rec
}

func TestErasureRoute(t *testing.T) {
	f := &fakeEraser{}
	if rec := serve(f, http.MethodPost, `{"agent":{"mbox":"mailto:an@example.vn"},"reference":"YC-1"}`); rec.Code != http.StatusCreated {
		t.Fatalf("erase: %d %s", rec.Code, rec.Body)
	}
	if len(f.erased) != 1 || f.erased[0] != "mbox:mailto:an@example.vn" || f.by != "credential:dpo" {
		t.Fatalf("erased %v by %q", f.erased, f.by)
	}
	for _, c := range []struct {
		name, body string
		eraser     peopleapi.Eraser
		want       int
	}{
		{"malformed JSON", `{"agent":`, f, http.StatusBadRequest},
		{"no agent", `{"reference":"x"}`, f, http.StatusBadRequest},
		{"not an agent", `{"agent":{"mbox":"an@example.vn"}}`, f, http.StatusBadRequest},
		{"unknown person", `{"agent":{"mbox":"mailto:x@example.vn"}}`, &fakeEraser{err: erasure.ErrUnknownPerson}, http.StatusNotFound},
		{"key store down", `{"agent":{"mbox":"mailto:x@example.vn"}}`, &fakeEraser{err: errors.New("unreachable")}, http.StatusServiceUnavailable},
		{"sealing off", `{"agent":{"mbox":"mailto:x@example.vn"}}`, nil, http.StatusServiceUnavailable},
		{"huge body", `{"agent":{"mbox":"mailto:x@example.vn"},"reference":"` + strings.Repeat("x", 70<<10) + `"}`, f, http.StatusRequestEntityTooLarge},
	} {
		if rec := serve(c.eraser, http.MethodPost, c.body); rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
	}
	if rec := serve(f, http.MethodGet, ""); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("list: %d %s", rec.Code, rec.Body)
	}
}
