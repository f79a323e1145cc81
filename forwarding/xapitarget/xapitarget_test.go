package xapitarget_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/forwarding/xapitarget"
)

// fakeLRS stands in for an LRS where a real one cannot be made to answer
// as needed: a 409 to a batch, OAuth2 tokens. The end-to-end tests
// (cmd/hocvu) deliver to a real Hocvu.
type fakeLRS struct {
	mu       sync.Mutex
	held     map[string]string // id -> statement JSON the LRS holds
	voided   map[string]bool
	requests []string
	auth     func(r *http.Request) bool
}

func (f *fakeLRS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	if r.Header.Get("X-Experience-API-Version") != "1.0.3" {
		http.Error(w, "version", http.StatusBadRequest)
		return
	}
	if !f.auth(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	switch r.Method {
	case http.MethodPost:
		var sts []map[string]any
		_ = json.Unmarshal(body, &sts)
		for _, st := range sts {
			if _, ok := f.held[st["id"].(string)]; ok {
				w.WriteHeader(http.StatusConflict) // this LRS refuses any known id in a POST
				return
			}
		}
		for i, st := range sts {
			raw, _ := json.Marshal(sts[i])
			f.held[st["id"].(string)] = string(raw)
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodPut:
		id := r.URL.Query().Get("statementId")
		if _, ok := f.held[id]; ok {
			w.WriteHeader(http.StatusConflict)
			return
		}
		f.held[id] = string(body)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		id := r.URL.Query().Get("statementId")
		if id == "" {
			id = r.URL.Query().Get("voidedStatementId")
			if !f.voided[id] {
				w.WriteHeader(http.StatusNotFound)
				return
			}
		} else if f.voided[id] {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		st, ok := f.held[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, st)
	}
}

func statement(id, verb string) json.RawMessage {
	return json.RawMessage(`{"id":"` + id + `","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"` + verb + `"},"object":{"id":"https://hoctap.example/bai-1"},"timestamp":"2025-09-01T00:00:00.000Z","stored":"2025-09-01T00:00:01.000Z"}`)
}

const (
	id1 = "6f1c6e3a-0000-4000-8000-000000000001"
	id2 = "6f1c6e3a-0000-4000-8000-000000000002"
	id3 = "6f1c6e3a-0000-4000-8000-000000000003"
)

func TestConflictsResolvedStatementByStatement(t *testing.T) {
	lrs := &fakeLRS{held: map[string]string{}, voided: map[string]bool{}, auth: func(r *http.Request) bool {
		u, p, ok := r.BasicAuth()
		return ok && u == "hocvu" && p == "pa55"
	}}
	srv := httptest.NewServer(lrs)
	defer srv.Close()
	cfg := &forwarding.TargetConfig{Kind: forwarding.TargetXAPI, URL: srv.URL + "/xapi/", Version: "1.0.3", Auth: forwarding.AuthBasic, Username: "hocvu"}
	target, err := xapitarget.New(cfg, "pa55", xapitarget.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	verb := "http://adlnet.gov/expapi/verbs/completed"
	// The target already holds the first statement (an earlier delivery
	// whose answer was lost), voided since; the rest is new.
	lrs.held[id1] = `{"id":"` + id1 + `","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"` + verb + `","display":{"en":"completed"}},"object":{"id":"https://hoctap.example/bai-1","objectType":"Activity"},"timestamp":"2025-09-01T07:00:00+07:00","stored":"2025-09-02T00:00:00.000Z","authority":{"mbox":"mailto:lrs@example.com"}}`
	lrs.voided[id1] = true
	b := &forwarding.Outgoing{Delivery: "d1", IDs: []string{id1, id2}, Statements: []json.RawMessage{statement(id1, verb), statement(id2, verb)}}
	if err := target.Deliver(ctx, b); err != nil {
		t.Fatalf("a batch whose statements the target holds (equivalent) or accepts: %v", err)
	}
	if _, ok := lrs.held[id2]; !ok {
		t.Errorf("the new statement was not PUT: %v", lrs.requests)
	}
	// A different statement under a known id is a rejection.
	b = &forwarding.Outgoing{Delivery: "d2", IDs: []string{id2, id3}, Statements: []json.RawMessage{statement(id2, "http://adlnet.gov/expapi/verbs/failed"), statement(id3, verb)}}
	var de *forwarding.DeliveryError
	if err := target.Deliver(ctx, b); !errors.As(err, &de) || de.Status != http.StatusConflict || !de.Rejected {
		t.Errorf("a conflicting statement: %v", err)
	}
	// Wrong credentials: a transient (configuration) failure.
	bad, _ := xapitarget.New(cfg, "wrong", xapitarget.Options{})
	if err := bad.Deliver(ctx, &forwarding.Outgoing{Delivery: "d3", IDs: []string{id3}, Statements: []json.RawMessage{statement(id3, verb)}}); !errors.As(err, &de) || de.Status != 401 || de.Rejected {
		t.Errorf("wrong credentials: %v", err)
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	var tokens int
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "hocvu-client" || secret != "client-secret" || r.FormValue("grant_type") != "client_credentials" || r.FormValue("scope") != "xapi:write" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
			return
		}
		tokens++
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}`)
	}))
	defer idp.Close()
	lrs := &fakeLRS{held: map[string]string{}, voided: map[string]bool{}, auth: func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer tok-1" }}
	srv := httptest.NewServer(lrs)
	defer srv.Close()
	cfg := &forwarding.TargetConfig{Kind: forwarding.TargetXAPI, URL: srv.URL + "/xapi", Version: "1.0.3", Auth: forwarding.AuthOAuth2,
		TokenURL: idp.URL + "/token", ClientID: "hocvu-client", Scopes: []string{"xapi:write"}}
	target, err := xapitarget.New(cfg, "client-secret", xapitarget.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{id1, id2} {
		if err := target.Deliver(ctx, &forwarding.Outgoing{Delivery: id, IDs: []string{id}, Statements: []json.RawMessage{statement(id, "http://adlnet.gov/expapi/verbs/completed")}}); err != nil {
			t.Fatal(err)
		}
	}
	if tokens != 1 || len(lrs.held) != 2 {
		t.Errorf("%d tokens fetched, %d statements held", tokens, len(lrs.held))
	}
	// A wrong client secret: no answer from the LRS, a transient failure
	// whose message names the token endpoint's refusal, not the secret.
	bad, _ := xapitarget.New(cfg, "not-the-secret", xapitarget.Options{})
	err = bad.Deliver(ctx, &forwarding.Outgoing{Delivery: "x", IDs: []string{id3}, Statements: []json.RawMessage{statement(id3, "http://adlnet.gov/expapi/verbs/completed")}})
	var de *forwarding.DeliveryError
	if !errors.As(err, &de) || de.Rejected || de.Status != 0 {
		t.Errorf("wrong client secret: %v", err)
	}
	if de != nil && (strings.Contains(de.Message, "not-the-secret") || !strings.Contains(de.Message, "invalid_client")) {
		t.Errorf("message %q", de.Message)
	}
}
