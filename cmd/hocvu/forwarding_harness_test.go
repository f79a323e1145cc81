package main_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/forwarding/webhook"
	"github.com/hocvu/hocvu/internal/proctest"
)

// The target Hocvu's credential.
var targetCreds = []string{"HOCVU_API_KEY=ministry", "HOCVU_API_SECRET=ministry-secret"}

const hookSecret = "lms-webhook-signing-key"

// startTarget runs a second, independent Hocvu: the LRS forwards go to.
func startTarget(t *testing.T, dir string) *proctest.Process {
	t.Helper()
	return proctest.Start(t, targetCreds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir, "--no-analytics-projector", "--no-forwarding")
}

// targetGet GETs from the target with its credential.
func targetGet(t *testing.T, base, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth("ministry", "ministry-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode == 200 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return res.StatusCode
}

// targetIDs lists every statement id the target holds (voided ones too,
// through the voiding statements it also holds).
func targetIDs(t *testing.T, base string) []string {
	var ids []string
	for next := "/xapi/statements?limit=500"; next != ""; {
		var page struct {
			Statements []map[string]any `json:"statements"`
			More       string           `json:"more"`
		}
		if code := targetGet(t, base, next, &page); code != 200 {
			t.Fatalf("GET statements from the target: %d", code)
		}
		for _, st := range page.Statements {
			ids = append(ids, st["id"].(string))
		}
		next = page.More
	}
	return ids
}

// proxy stands between a forwarder and the target: it records what is
// sent, and can play a target that is down or rejects a statement.
type proxy struct {
	*httptest.Server
	mu      sync.Mutex
	down    bool
	reject  string
	delay   time.Duration
	sent    map[string][]string // statement id -> every body it was sent in (its own JSON)
	posts   int
	answers map[int]int
}

func newProxy(t *testing.T, target string) *proxy {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &proxy{sent: map[string][]string{}, answers: map[int]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		down, reject, delay := p.down, p.reject, p.delay
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			p.posts++
			var sts []json.RawMessage
			if json.Unmarshal(body, &sts) != nil {
				sts = []json.RawMessage{body}
			}
			for _, st := range sts {
				var v struct {
					ID string `json:"id"`
				}
				_ = json.Unmarshal(st, &v)
				p.sent[v.ID] = append(p.sent[v.ID], string(st))
			}
		}
		p.mu.Unlock()
		time.Sleep(delay) // a slow target, so that a kill lands mid-delivery
		code := 0
		switch {
		case down:
			w.Header().Set("Retry-After", "1")
			code = http.StatusServiceUnavailable
			http.Error(w, "down for maintenance", code)
		case reject != "" && bytes.Contains(body, []byte(reject)):
			code = http.StatusBadRequest
			http.Error(w, "statement "+reject+" is refused here", code)
		default:
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			code = rec.Code
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}
		p.mu.Lock()
		p.answers[code]++
		p.mu.Unlock()
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) set(f func(p *proxy)) {
	p.mu.Lock()
	f(p)
	p.mu.Unlock()
}

func (p *proxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts
}

// receiver is a webhook endpoint over TLS that checks every signature.
type receiver struct {
	*httptest.Server
	certFile   string
	mu         sync.Mutex
	deliveries []hookDelivery
	badSigs    int
	badSigErrs []string
}

type hookDelivery struct {
	ID         string
	Statements []map[string]any
	Body       string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			w.WriteHeader(http.StatusNoContent) // a probe
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			// The sender died mid-request (the kill test does that): the
			// body is cut short, nothing was delivered and nobody waits
			// for an answer. A real receiver must not take a cut body for
			// a forged one.
			return
		}
		if err := webhook.Verify([]byte(hookSecret), req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			r.mu.Lock()
			r.badSigs++
			r.badSigErrs = append(r.badSigErrs, fmt.Sprintf("%v (%d bytes)", err, len(body)))
			r.mu.Unlock()
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p struct {
			Delivery   string           `json:"delivery"`
			Statements []map[string]any `json:"statements"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Delivery != req.Header.Get(webhook.HeaderDelivery) {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.deliveries = append(r.deliveries, hookDelivery{ID: p.Delivery, Statements: p.Statements, Body: string(body)})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	// The forwarding process trusts the receiver's certificate through
	// SSL_CERT_FILE: a real HTTPS delivery.
	r.certFile = filepath.Join(t.TempDir(), "receiver.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate().Raw})
	if err := os.WriteFile(r.certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// ids returns the statement ids received, each delivery counted once, and
// checks that a delivery id always carries the same body and that no
// statement came in two deliveries.
func (r *receiver) ids(t *testing.T) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	bodies := map[string]string{}
	owner := map[string]string{}
	var ids []string
	for _, d := range r.deliveries {
		if prev, ok := bodies[d.ID]; ok {
			if prev != d.Body {
				t.Errorf("delivery %s sent again with another body", d.ID)
			}
			continue
		}
		bodies[d.ID] = d.Body
		for _, st := range d.Statements {
			id := st["id"].(string)
			if o, ok := owner[id]; ok {
				t.Errorf("statement %s came in deliveries %s and %s", id, o, d.ID)
			}
			owner[id] = d.ID
			ids = append(ids, id)
		}
	}
	if r.badSigs > 0 {
		t.Errorf("%d deliveries with a bad signature: %v", r.badSigs, r.badSigErrs)
	}
	return ids
}

// hocvu runs the binary with stdin (for --secret-stdin).
func hocvu(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(proctest.Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// serverArgs point `hocvu forwards` at a running source.
func serverArgs(p *proctest.Process) []string {
	return []string{"--server=" + p.URL(), "--server-key=durability", "--server-secret=durability-secret"}
}

// forwardStatement is a statement of the campaign: a lesson completion
// (verb completed, lesson object, course parent) or, for kind "other",
// something no filter below selects.
func forwardStatement(i int, kind string) map[string]any {
	st := map[string]any{
		"id":        uuid.NewString(),
		"actor":     map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": fmt.Sprintf("hv-%05d", i)}, "name": "Người học"},
		"verb":      map[string]any{"id": vocab.VerbCompleted},
		"object":    map[string]any{"id": fmt.Sprintf("https://hoctap.example/khoa-1/bai-%d", i%5), "definition": map[string]any{"type": vocab.TypeLesson}},
		"timestamp": time.Now().UTC().Format(time.RFC3339),
		"context": map[string]any{"contextActivities": map[string]any{
			"parent": []any{map[string]any{"id": "https://hoctap.example/khoa-1", "definition": map[string]any{"type": vocab.TypeCourse}}},
		}},
	}
	if kind == "other" {
		st["verb"] = map[string]any{"id": "http://adlnet.gov/expapi/verbs/experienced"}
		st["object"] = map[string]any{"id": "https://hoctap.example/tin-tuc"}
		delete(st, "context")
	}
	return st
}

// waitUntil polls cond (a few times a second) until it holds.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sortedEqual(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
