package dashboard_test

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hocvu/hocvu/dashboard/i18n"
)

// TestPresentationLogic runs the hand-computed checks of
// testdata/js/logic.test.js (progress sums, each unit's own expected pace,
// ranking without a target, the VNeID comparison, small percentages) on
// the dashboard's own modules in headless Chromium. Without Chromium it
// skips locally and fails under CI=true, like the end-to-end test.
func TestPresentationLogic(t *testing.T) {
	bin := chromium(t)
	page := template.Must(template.New("p").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<script type="application/json" id="hv-i18n">{{.Dict}}</script>
<script type="application/json" id="hv-ctx">{{.Ctx}}</script>
<script type="module" src="/testdata/js/logic.test.js"></script></head><body></body></html>`))
	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets/", http.FileServer(http.Dir("assets"))))
	mux.Handle("/testdata/", http.StripPrefix("/testdata/", http.FileServer(http.Dir("testdata"))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		dict, _ := json.Marshal(i18n.Dict("en"))
		ctx, _ := json.Marshal(map[string]any{"lang": "en", "locale": "en-US", "now": "2026-03", "today": "2026-03-10", "campaignStart": "2025-05",
			"role": "province", "queries": map[string]any{}, "groups": []string{}, "areas": []string{}})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Dict": template.JS(dict), "Ctx": template.JS(ctx)}) //nolint:gosec // test page, our own JSON
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	actx, cancelA := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-extensions", true))
	defer cancelA()
	cctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancel := context.WithTimeout(cctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		if os.Getenv("CI") != "true" && ctx.Err() == nil {
			t.Skipf("cannot run Chromium (%s): %v", bin, err)
		}
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.done === '1'`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the checks did not finish (a module failed to load?): %v", err)
	}
	failures, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.failures`))
	if err != nil {
		t.Fatal(err)
	}
	var fs []string
	if err := json.Unmarshal([]byte(failures), &fs); err != nil {
		t.Fatalf("results %q: %v", failures, err)
	}
	for _, f := range fs {
		t.Error(f)
	}
}

// chromium finds the browser: skips locally without one, fails under CI.
func chromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("HOCVU_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is needed for the dashboard's JavaScript tests (run ./scripts/ensure-chromium, or set HOCVU_CHROMIUM)")
	}
	t.Skip("Chromium not found: run ./scripts/ensure-chromium")
	return ""
}
