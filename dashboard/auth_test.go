package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/dashboard"
	"github.com/hocvu/hocvu/dashboard/users"
)

func sessionCookie(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "hocvu_session" {
			return c
		}
	}
	return nil
}

func TestSignInAndOut(t *testing.T) {
	h := newHarness(t, false)
	c := h.client()
	res, _ := h.get(c, "/dashboard/courses?year=2025")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/login?next=%2Fdashboard%2Fcourses%3Fyear%3D2025" {
		t.Fatalf("page without a session: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := h.get(c, "/dashboard/api/summary"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API without a session: %d", res.StatusCode)
	}
	if res, _ := h.get(c, "/dashboard/csv/summary"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("CSV without a session: %d", res.StatusCode)
	}

	// Without the CSRF token, or with another one, sign-in is refused.
	h.csrfFrom(c, "/dashboard/login?next=/dashboard/courses") // the sign-in page sets the CSRF cookie
	if res, _ := h.post(c, "/dashboard/login", url.Values{"username": {"tinh"}, "password": {provPass}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %d", res.StatusCode)
	}
	tok := h.csrfFrom(c, "/dashboard/login")
	if res, _ := h.post(c, "/dashboard/login", url.Values{"csrf": {tok + "x"}, "username": {"tinh"}, "password": {provPass}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with a wrong CSRF token: %d", res.StatusCode)
	}
	// A cross-site post (another Origin) is refused even with the token.
	tok = h.csrfFrom(c, "/dashboard/login")
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/dashboard/login", strings.NewReader(url.Values{"csrf": {tok}, "username": {"tinh"}, "password": {provPass}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: %v %v", res.StatusCode, err)
	}
	tok = h.csrfFrom(c, "/dashboard/login")
	if res, body := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {"tinh"}, "password": {"wrong-password"}}); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "login-error") {
		t.Errorf("wrong password: %d", res.StatusCode)
	}

	tok = h.csrfFrom(c, "/dashboard/login")
	res, body := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {"TINH"}, "password": {provPass}, "next": {"/dashboard/courses"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/courses" {
		t.Fatalf("sign-in: %d %q %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	ck := sessionCookie(res)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/dashboard" || len(ck.Value) < 43 {
		t.Fatalf("session cookie %+v", ck)
	}
	if res, _ := h.get(c, "/dashboard/api/summary"); res.StatusCode != http.StatusOK {
		t.Fatalf("API with a session: %d", res.StatusCode)
	}

	// Sign-out needs the session's CSRF token.
	if res, _ := h.post(c, "/dashboard/logout", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without CSRF token: %d", res.StatusCode)
	}
	tok = h.csrfFrom(c, "/dashboard/courses")
	if res, _ := h.post(c, "/dashboard/logout", url.Values{"csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d", res.StatusCode)
	}
	if res, _ := h.get(c, "/dashboard/api/summary"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API after sign-out: %d", res.StatusCode)
	}
	// The old session id is dead on the server, not only in the browser.
	req, _ = http.NewRequest(http.MethodGet, h.srv.URL+"/dashboard/api/summary", nil)
	req.AddCookie(ck)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed session cookie after sign-out: %v %v", res.StatusCode, err)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	h := newHarness(t, false)
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/dashboard/\\evil", "/elsewhere"} {
		c := h.client()
		tok := h.csrfFrom(c, "/dashboard/login")
		res, _ := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {"tinh"}, "password": {provPass}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/dashboard/" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

func TestSecureCookiesAndHeaders(t *testing.T) {
	h := newHarness(t, true)
	c := h.client()
	tok := h.csrfFrom(c, "/dashboard/login")
	res, _ := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {"tinh"}, "password": {provPass}})
	if ck := sessionCookie(res); ck == nil || !ck.Secure {
		t.Errorf("Secure is configured but the cookie is %+v", ck)
	}
	res, _ = h.get(c, "/dashboard/login")
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q", k, got)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
}

func TestFailedSignInsAreRateLimited(t *testing.T) {
	h := newHarness(t, false)
	c := h.client()
	for i := 0; i < 5; i++ {
		tok := h.csrfFrom(c, "/dashboard/login")
		if res, _ := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {"tinh"}, "password": {"guess"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
	}
	tok := h.csrfFrom(c, "/dashboard/login")
	res, _ := h.post(c, "/dashboard/login", url.Values{"csrf": {tok}, "username": {"tinh"}, "password": {provPass}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt (right password): %d, want 429 with Retry-After", res.StatusCode)
	}
	// Another user is not blocked by these failures.
	h.login("xa", communePass)
}

func TestChangedUserEndsSessions(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("xa", communePass)
	if res, _ := h.get(c, "/dashboard/api/summary"); res.StatusCode != http.StatusOK {
		t.Fatal(res.StatusCode)
	}
	if err := h.reg.SetPassword(context.Background(), "xa", "a-new-password-2"); err != nil {
		t.Fatal(err)
	}
	if res, _ := h.get(c, "/dashboard/api/summary"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("after a password change: %d, want 401", res.StatusCode)
	}
	c = h.login("xa", "a-new-password-2")
	if err := h.reg.Remove(context.Background(), "xa"); err != nil {
		t.Fatal(err)
	}
	if res, _ := h.get(c, "/dashboard/api/summary"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("after removal: %d, want 401", res.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	s := dashboard.NewSessionStore(12*time.Hour, 7*24*time.Hour, func() time.Time { return now })
	a, err := s.Create("tinh", "stamp")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Create("tinh", "stamp")
	if a.ID == b.ID || len(a.ID) != 43 || a.CSRF == a.ID {
		t.Fatalf("ids %q %q", a.ID, b.ID)
	}
	now = now.Add(11 * time.Hour)
	if _, ok := s.Get(a.ID); !ok {
		t.Fatal("session ended before its idle time")
	}
	now = now.Add(11 * time.Hour) // 11 h after a's last use, 22 h after b's
	if _, ok := s.Get(a.ID); !ok {
		t.Error("a used session expired")
	}
	if _, ok := s.Get(b.ID); ok {
		t.Error("an idle session did not expire")
	}
	for i := 0; i < 14; i++ { // used every 11 h, still ends after 7 days
		now = now.Add(11 * time.Hour)
		s.Get(a.ID)
	}
	if _, ok := s.Get(a.ID); ok {
		t.Error("a session outlived its maximum age")
	}
}

func TestBackoffGrows(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	b := dashboard.NewBackoff(3, time.Minute, 10*time.Minute, 24*time.Hour, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if _, ok := b.Reserve("k"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	// The third failure locked the key; each later one doubles the lock.
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute} {
		wait, ok := b.Reserve("k")
		if ok || wait != want {
			t.Fatalf("while locked: %v %v, want a lock of %v", wait, ok, want)
		}
		now = now.Add(wait)
		if _, ok := b.Reserve("k"); !ok {
			t.Fatalf("refused after waiting %v", wait)
		}
	}
	if _, ok := b.Reserve("other"); !ok {
		t.Error("another key is locked")
	}
	// Failures are forgotten a day after the last one, or on success.
	now = now.Add(24 * time.Hour)
	for i := 0; i < 2; i++ {
		if _, ok := b.Reserve("k"); !ok {
			t.Fatalf("a day later, attempt %d refused", i)
		}
	}
	b.Reset("k")
	for i := 0; i < 2; i++ {
		if _, ok := b.Reserve("k"); !ok {
			t.Fatalf("after a reset, attempt %d refused", i)
		}
	}
}

// The header names the signed-in user by their display name, or by their
// user name, never by the note earlier versions stored for the seeded
// admin; a new display name shows at once and keeps the session.
func TestHeaderShowsTheUsersName(t *testing.T) {
	h := newHarness(t, false)
	c := h.login("tinh", provPass)
	header := func() string {
		t.Helper()
		res, body := h.get(c, "/dashboard/")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /dashboard/: %d", res.StatusCode)
		}
		m := regexp.MustCompile(`<span class="user" data-user="tinh">([^<]*)</span>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no user in the header:\n%s", body)
		}
		return m[1]
	}
	if got := header(); got != "tinh · Cấp tỉnh" {
		t.Errorf("header without a display name: %q", got)
	}
	ctx := context.Background()
	if err := h.reg.SetDisplayName(ctx, "tinh", "UBND tỉnh Quảng Ngãi"); err != nil {
		t.Fatal(err)
	}
	if got := header(); got != "UBND tỉnh Quảng Ngãi · Cấp tỉnh" {
		t.Errorf("header with a display name: %q", got)
	}
	if err := h.reg.SetDisplayName(ctx, "tinh", users.LegacySeedNote); err != nil {
		t.Fatal(err)
	}
	if got := header(); strings.Contains(got, "seeded") || got != "tinh · Cấp tỉnh" {
		t.Errorf("header with the legacy seed note: %q", got)
	}
}
