package frontdoor_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/frontdoor"
)

func server(t *testing.T) *httptest.Server {
	e := echo.New()
	frontdoor.Mount(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path, acceptLanguage string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// The front door points every kind of visitor to its part, in Vietnamese
// by default and in English on request, and is inert: no script, nothing
// from outside, no frame.
func TestFrontDoor(t *testing.T) {
	srv := server(t)
	for _, c := range []struct{ path, accept, lang, text string }{
		{"/", "", "vi", `href="/dashboard/">Mở bảng điều hành`},
		{"/", "en-GB,en;q=0.9", "vi", "Mở bảng điều hành"}, // like the dashboard: Vietnamese unless asked
		{"/?lang=en", "vi", "en", `href="/dashboard/?lang=en">Open the dashboard`},
		{"/?lang=xx", "", "vi", "Mở bảng điều hành"},
	} {
		res, body := get(t, srv, c.path, c.accept)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", c.path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.Contains(body, `<html lang="`+c.lang+`">`) || !strings.Contains(body, c.text) {
			t.Errorf("GET %s (Accept-Language %q): want %s with %q:\n%s", c.path, c.accept, c.lang, c.text, body)
		}
		for _, link := range []string{"/xapi/about", "/api/analytics/queries", "/docs/analytics.md", "/healthz", "/readyz", "/metrics"} {
			if !strings.Contains(body, `href="`+link+`"`) {
				t.Errorf("GET %s: no link to %s", c.path, link)
			}
		}
		if strings.Contains(body, "<script") || regexp.MustCompile(`(href|src)="(https?:)?//`).MatchString(body) {
			t.Errorf("GET %s: the page loads a script or something from outside", c.path)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", c.path, csp)
		}
	}
	// Every documentation link on the page answers.
	_, body := get(t, srv, "/", "")
	for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
		if !strings.HasPrefix(m[1], "/docs/") {
			continue
		}
		res, text := get(t, srv, m[1], "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.HasPrefix(text, "# ") {
			t.Errorf("GET %s: %d %s %.40q", m[1], res.StatusCode, res.Header.Get("Content-Type"), text)
		}
	}
	if res, text := get(t, srv, "/docs/", ""); res.StatusCode != http.StatusOK || !strings.Contains(text, "/docs/dashboard.md") {
		t.Errorf("GET /docs/: %d %s", res.StatusCode, text)
	}
	for _, bad := range []string{"/docs/nope.md", "/docs/..%2Fgo.mod", "/docs/docs.go"} {
		if res, _ := get(t, srv, bad, ""); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", bad, res.StatusCode)
		}
	}
}
