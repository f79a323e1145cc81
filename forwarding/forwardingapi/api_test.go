package forwardingapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/forwarding/forwardingapi"
)

func newServer(t *testing.T) *httptest.Server {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	reg := forwarding.NewRegistry(store, nil)
	if err := reg.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	box, _ := forwarding.NewSecretBox([]byte("0123456789abcdef0123456789abcdef"))
	e := echo.New()
	forwardingapi.Mount(e.Group("/api/forwards"), forwarding.NewService(reg, store, forwarding.ServiceOptions{Secrets: box}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func TestAPI(t *testing.T) {
	srv := newServer(t)
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+"/api/forwards"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	hook := `{"name":"lms","target":{"kind":"webhook","url":"https://lms.example/in","secret":"s3cret"},"filter":{"verb":["http://adlnet.gov/expapi/verbs/passed"]}}`
	for _, c := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"GET", "", "", 200, "[]"},
		{"POST", "", hook, 201, `"pseudonymize":true`},
		{"POST", "", hook, 409, "exists"},
		{"POST", "", `{"name":"xx","target":{"kind":"webhook","url":"https://lms.example/in"}}`, 400, "needs a secret"},
		{"POST", "", `{"name":"xx","target":{"kind":"xapi","url":"lrs.example"}}`, 400, "not an absolute"},
		{"POST", "", `{"name":"xx","target":{"kind":"webhook","url":"https://h.example/","secret":"s"},"filter":{"actor":["a"]}}`, 400, `unknown filter field \"actor\"`},
		{"POST", "", `{"name":"xx","target":{"kind":"webhook","url":"https://h.example/","secret":"s"},"colour":"red"}`, 400, "unknown field"},
		{"GET", "/lms", "", 200, `"state":"active"`},
		{"GET", "/nope", "", 404, "no such forward"},
		{"POST", "/lms/pause", "", 200, `"state":"paused"`},
		{"POST", "/lms/resume", "", 200, `"state":"active"`},
		{"PUT", "/lms", `{"name":"lms","target":{"kind":"webhook","url":"https://lms.example/v2"},"batchSize":50}`, 200, `"batchSize":50`},
		{"GET", "/lms/dead-letters", "", 200, "[]"},
		{"POST", "/lms/dead-letters/retry", "", 404, "no such open dead letter"},
		{"DELETE", "/lms", "", 204, ""},
		{"GET", "/lms", "", 404, ""},
	} {
		status, body := do(c.method, c.path, c.body)
		if status != c.status || !strings.Contains(body, c.contains) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, status, body, c.status, c.contains)
		}
		if strings.Contains(body, "s3cret") {
			t.Errorf("%s %s shows the secret: %s", c.method, c.path, body)
		}
	}
}

func TestClientMapsErrors(t *testing.T) {
	srv := newServer(t)
	c := forwardingapi.NewClient(srv.URL, "k", "s")
	ctx := context.Background()
	spec := forwarding.Spec{Name: "lms", Target: forwarding.TargetSpec{Kind: forwarding.TargetWebhook, URL: "https://lms.example/in", Secret: "s3cret"}}
	st, warnings, err := c.Create(ctx, spec)
	if err != nil || st.Forward.Name != "lms" || len(warnings) != 0 {
		t.Fatalf("create: %+v %q %v", st, warnings, err)
	}
	if _, _, err := c.Create(ctx, spec); !errors.Is(err, forwarding.ErrExists) {
		t.Errorf("again: %v", err)
	}
	if _, err := c.Show(ctx, "nope"); !errors.Is(err, forwarding.ErrNotFound) {
		t.Errorf("show unknown: %v", err)
	}
	spec.Name, spec.Target.Secret = "other", ""
	if _, _, err := c.Create(ctx, spec); !errors.Is(err, forwarding.ErrInvalid) || !strings.Contains(err.Error(), "needs a secret") {
		t.Errorf("no secret: %v", err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("list: %v %v", list, err)
	}
}
