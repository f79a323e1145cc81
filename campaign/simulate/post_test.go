package simulate_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/campaign/simulate"
)

// flakyLRS answers 503 to the first try of every third batch and drops
// the connection on the first try of every fifth one, and records the
// statement ids of every request.
type flakyLRS struct {
	mu       sync.Mutex
	tries    map[string]int // first id of a batch -> requests
	accepted map[string]int // statement id -> times accepted
	bodies   map[string]string
	n        int
}

func (f *flakyLRS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/xapi/statements" || r.Header.Get("X-Experience-API-Version") != "2.0.0" {
		http.Error(w, "bad request line", http.StatusBadRequest)
		return
	}
	if k, s, ok := r.BasicAuth(); !ok || k != "key" || s != "secret" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var sts []struct{ ID string }
	if err := json.Unmarshal(body, &sts); err != nil || len(sts) == 0 {
		http.Error(w, "not a batch", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	first := sts[0].ID
	f.tries[first]++
	try := f.tries[first]
	if try == 1 {
		f.n++
		f.bodies[first] = string(body)
	} else if f.bodies[first] != string(body) {
		f.mu.Unlock()
		http.Error(w, "a retry with a different body", http.StatusConflict)
		return
	}
	n := f.n
	f.mu.Unlock()
	switch {
	case try == 1 && n%3 == 0:
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	case try == 1 && n%5 == 0:
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
		return
	}
	f.mu.Lock()
	for _, s := range sts {
		f.accepted[s.ID]++
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode([]string{first})
}

func TestPostRetriesWithTheSameStatements(t *testing.T) {
	c := generate(t, 150, 11)
	lrs := &flakyLRS{tries: map[string]int{}, accepted: map[string]int{}, bodies: map[string]string{}}
	srv := httptest.NewServer(lrs)
	defer srv.Close()
	var last int
	res, err := c.Post(context.Background(), simulate.PostOptions{URL: srv.URL, Key: "key", Secret: "secret", Batch: 100, Concurrency: 3,
		Progress: func(n int) {
			if n < last {
				t.Errorf("progress went back from %d to %d", last, n)
			}
			last = n
		}})
	if err != nil {
		t.Fatal(err)
	}
	batches := (c.Len() + 99) / 100
	if res.Statements != c.Len() || res.Retries == 0 || res.Requests != batches+res.Retries || last != c.Len() {
		t.Fatalf("result %+v for %d statements in %d batches, progress %d", res, c.Len(), batches, last)
	}
	if len(lrs.accepted) != c.Len() {
		t.Fatalf("%d distinct statements accepted, want %d", len(lrs.accepted), c.Len())
	}
	for i := 0; i < c.Len(); i++ {
		if lrs.accepted[c.StatementID(i).String()] != 1 {
			t.Fatalf("statement %d accepted %d times", i, lrs.accepted[c.StatementID(i).String()])
		}
	}
}

func TestPostStopsOnClientErrors(t *testing.T) {
	c := generate(t, 20, 12)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"statement rejected: /0/verb: required"}`, http.StatusBadRequest)
	}))
	defer srv.Close()
	_, err := c.Post(context.Background(), simulate.PostOptions{URL: srv.URL + "/xapi/", Batch: 10})
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "statement rejected") {
		t.Errorf("err %v", err)
	}
}

func TestStatementsURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:8080":                  "http://h:8080/xapi/statements",
		"http://h:8080/":                 "http://h:8080/xapi/statements",
		"http://h:8080/xapi":             "http://h:8080/xapi/statements",
		"http://h:8080/lrs/xapi/":        "http://h:8080/lrs/xapi/statements",
		"http://h:8080/xapi/statements/": "http://h:8080/xapi/statements",
	} {
		if got := simulate.StatementsURL(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
