package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hocvu/hocvu/internal/proctest"
)

// visit navigates to path and waits until selector is visible (pages
// without the dashboard's load counter: the front door, sign-in, report).
func (b *browser) visit(path, selector string) {
	b.t.Helper()
	b.step(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(selector)))
}

// checkFits fails when the page is wider than the viewport (sideways
// scrolling) or the viewport is not the one asked for.
func (b *browser) checkFits(page string) {
	b.t.Helper()
	var got struct{ Inner, Scroll int }
	_ = json.Unmarshal([]byte(eval[string](b, `JSON.stringify({inner: window.innerWidth, scroll: document.documentElement.scrollWidth})`)), &got)
	if got.Inner != b.width {
		b.t.Errorf("%s: the viewport is %d px wide, want %d", page, got.Inner, b.width)
	}
	if got.Scroll > got.Inner+1 {
		b.t.Errorf("%s: %d px of content in a %d px viewport: the page scrolls sideways", page, got.Scroll, got.Inner)
	}
}

// checkFrontDoor opens GET / as a visitor without a session: every link
// answers (the analytics API asks for credentials), the page loads
// nothing but the stylesheet and the icon, and shows no secret.
func checkFrontDoor(t *testing.T, b *browser, p *proctest.Process) {
	t.Helper()
	b.visit("/", "#door-leaders")
	if lang := b.attr("html", "lang"); lang != "vi" {
		t.Errorf("front door in %q, want vi", lang)
	}
	var links []string
	_ = json.Unmarshal([]byte(eval[string](b, `JSON.stringify([...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')))`)), &links)
	want := map[string]int{"/dashboard/": 200, "/xapi/about": 200, "/api/analytics/queries": http.StatusUnauthorized, "/docs/analytics.md": 200,
		"/docs/vocabulary.md": 200, "/healthz": 200, "/readyz": 200, "/metrics": 200, "/api/projections": 200}
	seen := map[string]bool{}
	for _, href := range links {
		if !strings.HasPrefix(href, "/") {
			t.Errorf("front door links outside the server: %s", href)
			continue
		}
		// From outside the page: its CSP (default-src 'none') lets it
		// fetch nothing.
		res, err := http.Get(p.URL() + href)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		st := res.StatusCode
		seen[href] = true
		if w, ok := want[href]; ok && st != w || !ok && st != http.StatusOK {
			t.Errorf("front door link %s answers %d", href, st)
		}
	}
	for href := range want {
		if !seen[href] {
			t.Errorf("the front door does not link to %s", href)
		}
	}
	var loaded []string
	_ = json.Unmarshal([]byte(eval[string](b, `JSON.stringify(performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname))`)), &loaded)
	for _, r := range loaded {
		if r != "/dashboard/assets/app.css" && r != "/dashboard/assets/favicon.svg" {
			t.Errorf("the front door loads %s", r)
		}
	}
	html := eval[string](b, `document.documentElement.outerHTML`)
	for _, secret := range []string{e2eSecret, e2eKey, provincePassword, adminPassword, ownCommune} {
		if strings.Contains(html, secret) {
			t.Errorf("the front door shows %q", secret)
		}
	}
	if strings.Contains(html, "<script") {
		t.Error("the front door runs a script")
	}
	b.visit("/?lang=en", "#door-leaders")
	if lang := b.attr("html", "lang"); lang != "en" || b.attr("#door-leaders a.btn", "href") != "/dashboard/?lang=en" {
		t.Errorf("front door in English: lang %q, dashboard link %q", lang, b.attr("#door-leaders a.btn", "href"))
	}
	b.checkContrast("front door (en)", false)
}

// layoutPages are the pages looked at on a phone and a projector, in
// order: [name, path, ready selector ("" for the load counter), charts].
var layoutPages = [][4]string{
	{"overview", "/dashboard/", "", "charts"},
	{"communes", "/dashboard/communes", "", "charts"},
	{"commune", "/dashboard/commune/" + ownCommune, "", "charts"},
	{"courses", "/dashboard/courses", "", "charts"},
	{"integrity", "/dashboard/integrity", "", "charts"},
	{"report", "/dashboard/report/" + ownCommune + "?year=", "#courses", ""},
}

// checkLayout looks at every page at the browser's size (prefix names
// the screenshots): the front door and sign-in page, then each dashboard
// page signed in as the province user. None may scroll sideways or have
// text below AA contrast.
func checkLayout(t *testing.T, b *browser, prefix, year string) {
	t.Helper()
	b.visit("/", "#door-leaders")
	b.checkFits(prefix + " front door")
	b.checkContrast(prefix+" front door", false)
	b.screenshot(prefix + "-01-front-door")
	b.visit("/dashboard/login", "#login-form")
	b.checkFits(prefix + " sign-in")
	b.checkContrast(prefix+" sign-in", false)
	b.screenshot(prefix + "-02-sign-in")
	b.login(provinceUser, provincePassword)
	for i, pg := range layoutPages {
		path := pg[1]
		if pg[0] == "report" {
			path += year
		}
		if pg[2] == "" {
			b.open(path)
		} else {
			b.visit(path, pg[2])
		}
		b.checkFits(prefix + " " + pg[0])
		b.checkContrast(prefix+" "+pg[0], pg[3] != "")
		if pg[0] == "overview" {
			// The trend's month axis keeps more than one label (a long
			// label for the month in progress once left a phone one).
			if n := eval[int](b, `[...document.querySelectorAll('#panel-trend svg text')].filter((e) => /tháng \d+\/\d{4}/.test(e.textContent)).length`); n < 2 {
				t.Errorf("%s overview: the trend's month axis shows %d labels", prefix, n)
			}
		}
		b.screenshot(fmt.Sprintf("%s-%02d-%s", prefix, i+3, pg[0]))
		b.checkConsole(prefix + " " + pg[0])
	}
}
