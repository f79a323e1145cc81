package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard"
	"github.com/hocvu/hocvu/dashboard/users"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// Test communes: a commune user of ownCommune must never see otherCommune.
const (
	ownCommune   = "21121"
	otherCommune = "21100"
	provPass     = "province-password-1"
	communePass  = "commune-password-1"
)

// fakeEngine answers every catalogue query with rows for both test
// communes (only the asked one when the query honours a commune filter)
// and records the parameters it was asked with.
type fakeEngine struct {
	mu   sync.Mutex
	last map[string]analytics.Params
	// hostile, when set, replaces every label a statement could supply
	// (target group, course, activity, …).
	hostile string
}

func (f *fakeEngine) Query(_ context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	q, ok := analytics.Lookup(name)
	if !ok {
		return nil, analytics.ErrBadParams
	}
	f.mu.Lock()
	if f.last == nil {
		f.last = map[string]analytics.Params{}
	}
	f.last[name] = p
	f.mu.Unlock()
	res := &analytics.Result{Query: name, Columns: q.Columns, Rows: [][]any{}}
	if name == "courses" { // the course dimension: names in the asked language
		for i := range 2 {
			n, tag := fmt.Sprintf("Khóa học %d", i+1), "vi-VN"
			if strings.HasPrefix(p.Lang, "en") {
				n, tag = fmt.Sprintf("Course %d", i+1), "en-US"
			}
			id := fakeCourse(i)
			if f.hostile != "" { // a course and its name, both from statements
				id, n = f.hostile, f.hostile
			}
			res.Rows = append(res.Rows, []any{id, n, tag})
		}
		return res, nil
	}
	for i, c := range []string{ownCommune, otherCommune} {
		if p.Commune != "" && slices.Contains(q.Params, "commune") && c != p.Commune {
			continue
		}
		n := i
		row := make([]any, len(q.Columns))
		for i, col := range q.Columns {
			switch col {
			case "commune":
				row[i] = c
			case "course_id":
				row[i] = fakeCourse(n)
				if f.hostile != "" {
					row[i] = f.hostile
				}
			case "name":
				row[i] = "Xã " + c
			case "month", "hour", "stage", "target_group", "verb", "activity_type", "object_id",
				"area_types", "district", "kind", "team", "label", "mentor", "learner", "metric":
				row[i] = col + "-" + c
				if f.hostile != "" {
					row[i] = f.hostile
				}
			default:
				row[i] = int64(7)
			}
		}
		res.Rows = append(res.Rows, row)
		if !slices.Contains(q.Columns, "commune") {
			break
		}
	}
	if slices.Contains(q.Params, "limit") { // a capped query: 40 more rows than shown
		total := int64(len(res.Rows) + 40)
		res.Limit, res.Total = p.Limit, &total
	}
	return res, nil
}

// fakeCourse is the IRI of the fake engine's i-th course.
func fakeCourse(i int) string { return fmt.Sprintf("https://khoa.example/%d", i+1) }

func (f *fakeEngine) params(name string) analytics.Params {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[name]
}

type harness struct {
	t      *testing.T
	srv    *httptest.Server
	engine *fakeEngine
	reg    *users.Registry
	dash   *dashboard.Dashboard
}

func newHarness(t *testing.T, secure bool) *harness {
	t.Helper()
	return newHarnessWith(t, harnessOptions{secure: secure})
}

// harnessOptions vary the harness: a clock (default: stopped at
// 2026-11-15 03:00 UTC) and a wrapper around the user registry.
type harnessOptions struct {
	secure bool
	now    func() time.Time
	users  func(dashboard.UserStore) dashboard.UserStore
}

func newHarnessWith(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	if o.now == nil {
		o.now = func() time.Time { return time.Date(2026, 11, 15, 3, 0, 0, 0, time.UTC) }
	}
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	reg := users.NewRegistry(store, nil)
	reg.SetCost(bcrypt.MinCost)
	ctx := context.Background()
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reg.Set(ctx, users.User{Username: "tinh", Role: users.RoleProvince}, provPass); err != nil {
		t.Fatal(err)
	}
	if err := reg.Set(ctx, users.User{Username: "xa", Role: users.RoleCommune, Commune: ownCommune}, communePass); err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{}
	var us dashboard.UserStore = reg
	if o.users != nil {
		us = o.users(reg)
	}
	d := dashboard.New(dashboard.Config{Analytics: eng, Users: us, Logger: slog.New(slog.DiscardHandler), Secure: o.secure, Now: o.now})
	e := echo.New()
	d.Mount(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, engine: eng, reg: reg, dash: d}
}

// client is a browser-like HTTP client (cookies, no redirects followed).
func (h *harness) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfFrom fetches path and returns the CSRF token of its form.
func (h *harness) csrfFrom(c *http.Client, path string) string {
	h.t.Helper()
	_, body := h.get(c, path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no CSRF token in %s:\n%s", path, body)
	}
	return m[1]
}

func (h *harness) get(c *http.Client, path string) (*http.Response, string) {
	h.t.Helper()
	res, err := c.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (h *harness) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	h.t.Helper()
	res, err := c.PostForm(h.srv.URL+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// login signs in and returns the client with its session.
func (h *harness) login(user, password string) *http.Client {
	h.t.Helper()
	c := h.client()
	tok := h.csrfFrom(c, "/dashboard/login")
	res, body := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {user}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("login %s: %d %s", user, res.StatusCode, body)
	}
	return c
}
