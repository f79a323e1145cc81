package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/internal/proctest"
)

// The end-to-end dashboard test: a real hocvu binary serves a simulated
// campaign (simulate --mode bulk) with two dashboard users created by
// `hocvu users add`; headless Chromium (Debian's chromium, installed by
// scripts/ensure-chromium) signs in, opens every page, changes filters,
// and the numbers on the pages must equal the analytics API's. Every page
// must load without console errors or JavaScript exceptions, and a
// screenshot of each lands in $HOCVU_ARTIFACTS (default
// artifacts/screenshots/ in the repository).

const (
	e2eKey, e2eSecret     = "e2e-key", "e2e-secret-0123456789"
	provinceUser          = "tinh"
	provincePassword      = "mat-khau-tinh-2025"
	provinceName          = "UBND tỉnh Quảng Ngãi"
	adminUser             = "quantri"
	adminPassword         = "mat-khau-quan-tri-2025"
	communeUser           = "tinhkhe"
	communePassword       = "mat-khau-xa-2025"
	ownCommune            = "21121" // Tịnh Khê in the built-in reference data
	otherCommune          = "21100" // Cẩm Thành
	e2eLearners           = "1500"
	optionalQueriesNotice = "named query %q is not served yet: skipping its assertions"
)

// chromiumPath finds the browser, or fails under CI=true and skips
// otherwise.
func chromiumPath(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("HOCVU_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is needed for the dashboard browser tests and was not found (run ./scripts/ensure-chromium, or set HOCVU_CHROMIUM)")
	}
	t.Skip("Chromium not found: run ./scripts/ensure-chromium to run the dashboard browser tests")
	return ""
}

// artifactsDir is where screenshots go.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HOCVU_ARTIFACTS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// e2eServer prepares a data directory with a small simulated campaign and
// the two dashboard users, then serves it, with one statement in the month
// in progress (whose month it returns).
func e2eServer(t *testing.T) (*proctest.Process, string) {
	t.Helper()
	dir := t.TempDir()
	// Bulk mode needs a past end date: the last day of the previous month.
	now := time.Now().In(time.FixedZone("ICT", 7*3600))
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location()).AddDate(0, 0, -1).Format("2006-01-02")
	if code, out, errOut := proctest.Run(t, nil, "simulate", "--mode=bulk", "--data-dir="+dir, "--learners="+e2eLearners,
		"--seed=8", "--to="+to, "--no-progress"); code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out, errOut)
	}
	// The province user gets its display name afterwards, with
	// `hocvu users display-name`; the admin is seeded by serve, without one.
	addUser(t, dir, provincePassword, "users", "add", provinceUser, "--role=province")
	if code, out, errOut := proctest.Run(t, nil, "users", "display-name", provinceUser, provinceName, "--data-dir="+dir); code != 0 {
		t.Fatalf("users display-name: exit %d\n%s\n%s", code, out, errOut)
	}
	addUser(t, dir, communePassword, "users", "add", communeUser, "--role=commune", "--commune="+ownCommune, "--display-name=UBND xã Tịnh Khê")
	p := proctest.Start(t, []string{"HOCVU_API_KEY=" + e2eKey, "HOCVU_API_SECRET=" + e2eSecret,
		"HOCVU_DASHBOARD_ADMIN=" + adminUser, "HOCVU_DASHBOARD_PASSWORD=" + adminPassword},
		"serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if err := p.WaitReady(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(p.URL() + "/dashboard/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /dashboard/login: %d: the dashboard is not mounted by `hocvu serve` (see docs/dashboard.md)", res.StatusCode)
	}
	return p, postRunningMonth(t, p)
}

// postRunningMonth gives the month in progress a little data: one lesson
// completion now, in another commune than the commune user's, in a named
// course. The province's month in progress then has figures so far (shown,
// never compared; a dashed end of the trend), the own commune's has none.
// It returns the month (ICT) of the statement.
func postRunningMonth(t *testing.T, p *proctest.Process) string {
	t.Helper()
	names, ok := apiQuery(t, p, "courses", url.Values{"lang": {"vi-VN"}})
	if !ok || len(names.Rows) == 0 {
		t.Fatal("the simulated campaign names no course")
	}
	course := fmt.Sprint(names.Rows[0][names.col("course_id")])
	at := time.Now()
	st := map[string]any{
		"id":        uuid.NewString(),
		"actor":     map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": "hv-running-month"}},
		"verb":      map[string]any{"id": vocab.VerbCompleted},
		"object":    map[string]any{"id": course + "/bai-thang-nay", "definition": map[string]any{"type": vocab.TypeLesson}},
		"result":    map[string]any{"completion": true, "duration": "PT12M"},
		"timestamp": at.Format(time.RFC3339),
		"context": map[string]any{
			"contextActivities": map[string]any{"parent": []any{map[string]any{"id": course, "definition": map[string]any{"type": vocab.TypeCourse}}}},
			"extensions":        map[string]any{vocab.ExtCommune: otherCommune, vocab.ExtTargetGroup: vocab.TargetGroups[0]},
		},
	}
	body, _ := json.Marshal(st)
	req, _ := http.NewRequest(http.MethodPost, p.URL()+"/xapi/statements", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth(e2eKey, e2eSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST a statement of the month in progress: %d %s", res.StatusCode, out)
	}
	// Wait for the analytics projection to count it.
	month := at.In(time.FixedZone("ICT", 7*3600)).Format("2006-01")
	for deadline := time.Now().Add(time.Minute); ; {
		r, _ := apiQuery(t, p, "summary", url.Values{"from": {month}, "to": {month}, "commune": {otherCommune}})
		if len(r.Rows) == 1 && apiNumber(t, r, 0, "lesson_completions") != "0" {
			return month
		}
		if time.Now().After(deadline) {
			t.Fatalf("the statement of the month in progress did not reach the analytics: %v", r.Rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func addUser(t *testing.T, dir, password string, args ...string) {
	t.Helper()
	cmd := exec.Command(proctest.Binary(t), append(args, "--data-dir="+dir, "--password-stdin")...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hocvu %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// apiResult is an analytics API answer.
type apiResult struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Total   *int64   `json:"total"`
}

func (r apiResult) col(name string) int {
	for i, c := range r.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// apiQuery asks the analytics API (Basic auth), the numbers' reference.
func apiQuery(t *testing.T, p *proctest.Process, name string, params url.Values) (apiResult, bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.URL()+"/api/analytics/"+name+"?"+params.Encode(), nil)
	req.SetBasicAuth(e2eKey, e2eSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusNotFound {
		return apiResult{}, false
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("analytics API %s: %d %s", name, res.StatusCode, body)
	}
	var r apiResult
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r, true
}

// apiNumber is one cell of the API's answer rendered like data-v.
func apiNumber(t *testing.T, r apiResult, row int, col string) string {
	t.Helper()
	i := r.col(col)
	if i < 0 || row >= len(r.Rows) {
		t.Fatalf("API result has no %s in row %d: %+v", col, row, r)
	}
	return fmt.Sprint(r.Rows[row][i])
}

// browser is one headless Chromium tab that records console errors,
// warnings and uncaught exceptions.
type browser struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	errs   []string
	shots  string
	base   string
	width  int
	ignore []string // substrings of expected console errors
}

func newBrowser(t *testing.T, base string, width, height int) *browser {
	t.Helper()
	bin := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("hide-scrollbars", true), chromedp.Flag("lang", "vi-VN"),
		chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, shots: artifactsDir(t), base: base, width: width}
	// The window size alone is not the viewport: headless Chromium keeps
	// windows at least 500 px wide. Emulate the device's viewport (as a
	// phone, with its meta viewport, below 700 px).
	var vopts []chromedp.EmulateViewportOption
	if width < 700 {
		vopts = append(vopts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(int64(width), int64(height), vopts...)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("start Chromium (%s): %v", bin, err)
		}
		t.Skipf("cannot start Chromium (%s): %v", bin, err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
				b.record(fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
			}
		}
	}()
	return b
}

func (b *browser) record(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ig := range b.ignore {
		if strings.Contains(s, ig) {
			return
		}
	}
	b.errs = append(b.errs, s)
}

// checkConsole fails the test for any console error recorded so far.
func (b *browser) checkConsole(page string) {
	b.t.Helper()
	time.Sleep(200 * time.Millisecond) // let the console iterator deliver what the browser already sent
	b.mu.Lock()
	errs := b.errs
	b.errs = nil
	b.mu.Unlock()
	for _, e := range errs {
		b.t.Errorf("%s: %s", page, e)
	}
}

// step runs actions with a time limit.
func (b *browser) step(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise).
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// loads is the page's completed-load counter (body[data-loads]).
func (b *browser) loads() int { return eval[int](b, `Number(document.body.dataset.loads || 0)`) }

// waitLoaded waits until body[data-loads] exceeds n.
func (b *browser) waitLoaded(n int) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`Number(document.body.dataset.loads || 0) > %d`, n),
			chromedp.WithPollingTimeout(time.Minute)))
		if err == nil {
			return
		}
		// A navigation still in flight replaces the page's JavaScript
		// context under the poll: poll again in the new page.
		if ctx.Err() != nil || !strings.Contains(err.Error(), "context with specified id") {
			b.t.Fatalf("waiting for the page to load its numbers: %v", err)
		}
	}
}

// open navigates to path and waits for the page's first complete load.
func (b *browser) open(path string) {
	b.t.Helper()
	b.step(chromedp.Navigate(b.base + path))
	b.waitLoaded(0)
	b.noFailure(path)
}

func (b *browser) noFailure(path string) {
	b.t.Helper()
	if eval[string](b, `document.body.dataset.failed || ''`) != "" {
		text := eval[string](b, `[...document.querySelectorAll('.note.warn,.error')].map(e => e.textContent).join(' | ')`)
		b.t.Fatalf("%s: a panel failed to load: %s", path, text)
	}
}

// change sets a filter and waits for the reload it triggers.
func (b *browser) change(selector, value string) {
	b.t.Helper()
	before := b.loads()
	eval[bool](b, fmt.Sprintf(`(e => { e.value = %q; return e.dispatchEvent(new Event('change', {bubbles: true})); })(document.querySelector(%q))`, value, selector))
	b.waitLoaded(before)
}

// attr reads an attribute of the first element matching selector ("" when absent).
func (b *browser) attr(selector, name string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(e => e ? (e.getAttribute(%q) || '') : '')(document.querySelector(%q))`, name, selector))
}

func (b *browser) exists(selector string) bool {
	return eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, selector))
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
}

func (b *browser) login(user, password string) {
	b.t.Helper()
	b.step(chromedp.Navigate(b.base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), user), chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#login-form`)), chromedp.WaitVisible(chromedp.CSS(`body[data-page]`)))
	b.waitLoaded(0)
}

// fetchStatus fetches path from inside the page (with the session cookie).
func (b *browser) fetchStatus(path string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(r => r.status)`, path))
}

func (b *browser) fetchText(path string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(r => r.text())`, path))
}

func yearParams(extra ...string) url.Values {
	y := time.Now().In(time.FixedZone("ICT", 7*3600)).Year()
	v := url.Values{"from": {fmt.Sprintf("%d-01", y)}, "to": {fmt.Sprintf("%d-12", y)}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestDashboardInBrowser(t *testing.T) {
	p, runningMonth := e2eServer(t)
	year := yearParams().Get("from")[:4]
	_, haveProgress := apiQuery(t, p, "progress", url.Values{"to": {year + "-12"}})
	if !haveProgress {
		t.Logf(optionalQueriesNotice, "progress")
	}

	t.Run("province", func(t *testing.T) {
		b := newBrowser(t, p.URL(), 1366, 900)
		b.login(provinceUser, provincePassword)
		b.noFailure("overview")

		// Overview: the learners figure is the summary query's, and the
		// group filter changes it to the group's.
		want, _ := apiQuery(t, p, "summary", yearParams())
		if got := b.attr(`[data-kpi="learners"]`, "data-v"); got != apiNumber(t, want, 0, "learners") {
			t.Errorf("overview learners = %q, API says %s", got, apiNumber(t, want, 0, "learners"))
		}
		trend, _ := apiQuery(t, p, "trend", yearParams())
		if len(trend.Rows) > 0 {
			sel := `#panel-trend tbody tr:first-child td[data-col="lesson_completions"]`
			if got := b.attr(sel, "data-v"); got != apiNumber(t, trend, 0, "lesson_completions") {
				t.Errorf("trend first month lesson completions = %q, API says %s", got, apiNumber(t, trend, 0, "lesson_completions"))
			}
		}
		// The header names the user by the display name set with
		// `hocvu users display-name`.
		if who := eval[string](b, `document.querySelector('.who .user').textContent`); !strings.HasPrefix(who, provinceName+" · ") {
			t.Errorf("header: %q, want the display name %q", who, provinceName)
		}
		// Periods: like with like, the month in progress apart, no data
		// yet is not a drop; and the rules themselves on fixed dates.
		checkPeriods(t, b, p, year+"-01", year+"-12", url.Values{})
		if running, now := checkTrendRunning(t, b, p, year, url.Values{}); !running && now == runningMonth {
			t.Error("overview: the month in progress has a statement (postRunningMonth) but the trend does not show it")
		}
		checkComparisonRules(t, b)
		checkPaceRules(t, b)
		b.checkContrast("overview", true)
		b.screenshot("01-overview")
		b.checkConsole("overview")

		before := b.attr(`[data-kpi="learners"]`, "data-v")
		b.change(`#f-group`, "student")
		students, _ := apiQuery(t, p, "summary", yearParams("group", "student"))
		got := b.attr(`[data-kpi="learners"]`, "data-v")
		if got != apiNumber(t, students, 0, "learners") {
			t.Errorf("overview learners with group=student = %q, API says %s", got, apiNumber(t, students, 0, "learners"))
		}
		if got == before {
			t.Errorf("the group filter did not change the learners figure (%s)", got)
		}
		b.change(`#f-quarter`, "2")
		q2, _ := apiQuery(t, p, "summary", url.Values{"from": {year + "-04"}, "to": {year + "-06"}, "group": {"student"}})
		if got := b.attr(`[data-kpi="learners"]`, "data-v"); got != apiNumber(t, q2, 0, "learners") {
			t.Errorf("overview learners in Q2 for students = %q, API says %s", got, apiNumber(t, q2, 0, "learners"))
		}
		checkPeriods(t, b, p, year+"-04", year+"-06", url.Values{"group": {"student"}})
		b.screenshot("02-overview-filtered")
		b.checkConsole("overview with filters")

		// Groups and communes.
		b.open("/dashboard/communes")
		byCommune, _ := apiQuery(t, p, "by_commune", yearParams())
		ci := byCommune.col("commune")
		for i, row := range byCommune.Rows {
			code := fmt.Sprint(row[ci])
			if code == "" {
				continue
			}
			sel := fmt.Sprintf(`#panel-by_commune tbody tr td[data-col="commune"][data-v=%q] ~ td[data-col="learners"]`, code)
			if got := b.attr(sel, "data-v"); got != apiNumber(t, byCommune, i, "learners") {
				t.Errorf("communes page: learners of %s = %q, API says %s", code, got, apiNumber(t, byCommune, i, "learners"))
			}
			break
		}
		if haveProgress {
			if !b.exists(`#panel-ranking tbody tr`) {
				t.Error("communes page: the ranking has no rows")
			}
		} else if !b.exists(`#panel-ranking.unavailable`) {
			t.Error("communes page: without the progress query the ranking should say it is unavailable")
		}
		b.checkContrast("communes", true)
		b.screenshot("03-communes")
		b.checkConsole("communes")

		// A commune page.
		b.open("/dashboard/commune/" + ownCommune)
		own, _ := apiQuery(t, p, "summary", yearParams("commune", ownCommune))
		if got := b.attr(`[data-kpi="learners"]`, "data-v"); got != apiNumber(t, own, 0, "learners") {
			t.Errorf("commune page learners = %q, API says %s", got, apiNumber(t, own, 0, "learners"))
		}
		checkPeriods(t, b, p, year+"-01", year+"-12", url.Values{"commune": {ownCommune}})
		if running, _ := checkTrendRunning(t, b, p, year, url.Values{"commune": {ownCommune}}); running {
			t.Error("commune page: the own commune has no statement in the month in progress, its trend shows one")
		}
		b.checkContrast("commune", true)
		b.screenshot("04-commune")
		b.checkConsole("commune")

		// Courses and the funnel.
		b.open("/dashboard/courses")
		funnel, _ := apiQuery(t, p, "funnel", yearParams())
		if got := b.attr(`#panel-funnel tbody tr:first-child td[data-col="learners"]`, "data-v"); got != apiNumber(t, funnel, 0, "learners") {
			t.Errorf("funnel started = %q, API says %s", got, apiNumber(t, funnel, 0, "learners"))
		}
		// The funnel's labels (and every other text) meet AA contrast.
		if r := b.checkContrast("courses", true); r.SVG < 8 {
			t.Errorf("courses page: only %d chart texts measured", r.SVG)
		}
		b.screenshot("05-courses")
		b.checkConsole("courses")

		// Integrity signals.
		b.open("/dashboard/integrity")
		bursts, _ := apiQuery(t, p, "bursts", yearParams())
		if bursts.Total == nil {
			t.Fatal("the bursts query does not say how many bursts there are")
		}
		if got := b.attr(`#panel-bursts`, "data-flagged"); got != fmt.Sprint(*bursts.Total) {
			t.Errorf("bursts counted = %q, API has %d", got, *bursts.Total)
		}
		if got := b.attr(`#panel-bursts`, "data-shown"); got != fmt.Sprint(len(bursts.Rows)) {
			t.Errorf("bursts shown = %q, API has %d rows", got, len(bursts.Rows))
		}
		b.checkContrast("integrity", true)
		b.screenshot("06-integrity")
		b.checkConsole("integrity")

		// The commune report, printable.
		b.open("/dashboard/commune/" + ownCommune)
		b.step(chromedp.Navigate(p.URL()+"/dashboard/report/"+ownCommune+"?year="+year), chromedp.WaitVisible(chromedp.CSS(`#activity`)))
		if got := b.attr(`#activity tbody tr:first-child td[data-v]`, "data-v"); got != apiNumber(t, own, 0, "learners") {
			t.Errorf("report learners = %q, API says %s", got, apiNumber(t, own, 0, "learners"))
		}
		b.checkContrast("report", false)
		b.screenshot("07-report")
		b.checkConsole("report")

		// Course names, on every page that shows courses, in CSV and in
		// the report.
		checkCourseNamesEverywhere(t, b, p, year)
		b.checkConsole("course names")

		// English.
		b.open("/dashboard/?lang=en")
		if lang := b.attr("html", "lang"); lang != "en" {
			t.Errorf("?lang=en gave lang=%q", lang)
		}
		b.checkContrast("overview (en)", true)
		b.screenshot("08-overview-en")
		b.checkConsole("overview (en)")
	})

	t.Run("front door", func(t *testing.T) {
		b := newBrowser(t, p.URL(), 1366, 900)
		checkFrontDoor(t, b, p)
		b.screenshot("00-front-door-en")
		b.visit("/", "#door-leaders")
		b.checkContrast("front door", false)
		b.screenshot("00-front-door")
		b.checkConsole("front door")
	})

	t.Run("seeded admin", func(t *testing.T) {
		b := newBrowser(t, p.URL(), 1366, 900)
		b.login(adminUser, adminPassword)
		if who := eval[string](b, `document.querySelector('.who .user').textContent`); !strings.HasPrefix(who, adminUser+" · ") || strings.Contains(who, "seeded") {
			t.Errorf("header of the HOCVU_DASHBOARD_ADMIN user: %q, want its user name", who)
		}
		b.checkConsole("seeded admin")
	})

	t.Run("phone", func(t *testing.T) {
		b := newBrowser(t, p.URL(), 390, 844)
		checkLayout(t, b, "phone", year)
	})

	t.Run("projector", func(t *testing.T) {
		b := newBrowser(t, p.URL(), 1920, 1080)
		checkLayout(t, b, "projector", year)
	})

	t.Run("commune", func(t *testing.T) {
		b := newBrowser(t, p.URL(), 1366, 900)
		b.login(communeUser, communePassword)
		if path := eval[string](b, `location.pathname`); path != "/dashboard/commune/"+ownCommune {
			t.Errorf("a commune user lands on %s, want its own commune page", path)
		}
		b.noFailure("commune user's page")
		own, _ := apiQuery(t, p, "summary", yearParams("commune", ownCommune))
		if got := b.attr(`[data-kpi="learners"]`, "data-v"); got != apiNumber(t, own, 0, "learners") {
			t.Errorf("commune user's learners = %q, API says %s", got, apiNumber(t, own, 0, "learners"))
		}
		b.checkContrast("commune user's page", true)
		b.screenshot("11-commune-user")
		b.checkConsole("commune user's page")
		// Forced filtering: the data endpoint answers for the own commune.
		if body := b.fetchText("/dashboard/api/summary?" + yearParams().Encode()); !strings.Contains(body, "["+apiNumber(t, own, 0, "statements")+",") {
			t.Errorf("summary without commune for a commune user = %s, want its own commune's %v", body, own.Rows)
		}
		// Every route to another commune is refused (the browser logs the
		// refused requests; they are expected here).
		b.ignore = append(b.ignore, "403")
		for _, path := range []string{
			"/dashboard/api/summary?commune=" + otherCommune,
			"/dashboard/api/by_commune",
			"/dashboard/csv/trend?commune=" + otherCommune,
			"/dashboard/csv/by_commune",
			"/dashboard/report/" + otherCommune + "?year=" + year,
			"/dashboard/report/" + otherCommune + "?year=" + year + "&format=csv",
			"/dashboard/commune/" + otherCommune,
		} {
			if st := b.fetchStatus(path); st != http.StatusForbidden {
				t.Errorf("commune user GET %s: %d, want 403", path, st)
			}
		}
		for _, path := range []string{"/dashboard/", "/dashboard/communes"} {
			b.step(chromedp.Navigate(p.URL() + path))
			if at := eval[string](b, `location.pathname`); at != "/dashboard/commune/"+ownCommune {
				t.Errorf("commune user opening %s ends at %s", path, at)
			}
		}
		b.open("/dashboard/integrity")
		b.screenshot("12-integrity-commune-user")
		b.checkConsole("commune user's integrity page")
	})
}
