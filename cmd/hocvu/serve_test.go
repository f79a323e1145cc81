package main_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m) }

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestServeEndpointsAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	p := proctest.Start(t, nil, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)

	res, body := get(t, p.URL()+"/xapi/about")
	if res.StatusCode != 200 {
		t.Fatalf("about: %d %s", res.StatusCode, body)
	}
	var about struct {
		Version []string `json:"version"`
	}
	if err := json.Unmarshal(body, &about); err != nil {
		t.Fatal(err)
	}
	if strings.Join(about.Version, ",") != "1.0.3,2.0.0" {
		t.Fatalf("about versions = %v", about.Version)
	}
	// A request that names no version is answered in 1.0.3 by default.
	if v := res.Header.Get("X-Experience-API-Version"); v != "1.0.3" {
		t.Errorf("about X-Experience-API-Version = %q, want the default 1.0.3", v)
	}

	for _, path := range []string{"/healthz", "/readyz"} {
		if res, body := get(t, p.URL()+path); res.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, res.StatusCode, body)
		}
	}
	res, body = get(t, p.URL()+"/metrics")
	if res.StatusCode != 200 || !strings.Contains(string(body), "hocvu_http_requests_total") || !strings.Contains(string(body), "hocvu_eventstore_events_total") {
		t.Errorf("metrics: %d, missing hocvu metrics:\n%.500s", res.StatusCode, body)
	}
	// The storage engines of the log and of the three local read models.
	for _, store := range []string{"events", "statement-index", "document-index", "activity-definitions"} {
		if v := metricSeries(t, p.URL(), `hocvu_storage_disk_bytes{store="`+store+`"}`); v <= 0 {
			t.Errorf("hocvu_storage_disk_bytes of %s: %v, want the size of its files", store, v)
		}
	}

	// A second server on the same data directory is refused clearly.
	code, _, stderr := proctest.Run(t, nil, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if code == 0 || !strings.Contains(stderr, "in use by another process") {
		t.Errorf("second serve on the same data dir: exit %d, stderr %s", code, stderr)
	}

	p.Signal(syscall.SIGTERM)
	code, err := p.Wait(30 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("after SIGTERM: exit %d, %v\n%s", code, err, p.Logs())
	}
	if !strings.Contains(p.Logs(), "hocvu stopped") {
		t.Errorf("no clean-stop log line:\n%s", p.Logs())
	}
	// The store was closed cleanly: the directory opens again.
	p2 := proctest.Start(t, nil, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	p2.Signal(syscall.SIGINT)
	if code, err := p2.Wait(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("restart then SIGINT: exit %d, %v", code, err)
	}
}

func TestHelpAndConfiguration(t *testing.T) {
	code, out, _ := proctest.Run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "version") {
		t.Fatalf("--help: exit %d\n%s", code, out)
	}
	code, out, _ = proctest.Run(t, nil, "serve", "--help")
	for _, want := range []string{"--listen", "HOCVU_LISTEN", "127.0.0.1:8080", "--data-dir", "HOCVU_DATA_DIR", "./data",
		"--default-xapi-version", "HOCVU_DEFAULT_XAPI_VERSION"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("serve --help exit %d", code)
	}
	code, _, stderr := proctest.Run(t, nil, "serve", "--log-level=loud")
	if code != 2 || !strings.Contains(stderr, "log-level") {
		t.Errorf("bad flag: exit %d, stderr %s", code, stderr)
	}
	code, _, stderr = proctest.Run(t, []string{"HOCVU_DEFAULT_XAPI_VERSION=1.0"}, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir())
	if code != 2 || !strings.Contains(stderr, "default-xapi-version") {
		t.Errorf("bad HOCVU_DEFAULT_XAPI_VERSION: exit %d, stderr %s", code, stderr)
	}
	code, out, _ = proctest.Run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "hocvu ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	// Environment variables configure flags.
	dir := t.TempDir()
	p := proctest.Start(t, []string{"HOCVU_LISTEN=127.0.0.1:0", "HOCVU_DATA_DIR=" + dir, "HOCVU_DEFAULT_XAPI_VERSION=2.0.0"}, "serve")
	if res, _ := get(t, p.URL()+"/healthz"); res.StatusCode != 200 {
		t.Fatalf("healthz via env config: %d", res.StatusCode)
	}
	if res, _ := get(t, p.URL()+"/xapi/statements"); res.StatusCode != 400 || res.Header.Get("X-Experience-API-Version") != "2.0.0" {
		t.Errorf("HOCVU_DEFAULT_XAPI_VERSION=2.0.0: a request without a version got %d with X-Experience-API-Version %q",
			res.StatusCode, res.Header.Get("X-Experience-API-Version"))
	}
	if !strings.Contains(p.Logs(), dir) {
		t.Errorf("HOCVU_DATA_DIR not used:\n%s", p.Logs())
	}
}

// A busy port fails serve before it opens any store (httpserver: the port
// is bound first): the data directory stays empty.
func TestServeBusyPortFailsBeforeOpeningStores(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	code, _, stderr := proctest.Run(t, nil, "serve", "--listen="+ln.Addr().String(), "--data-dir="+dir)
	if code != 1 || !strings.Contains(stderr, "listen on "+ln.Addr().String()) {
		t.Fatalf("serve on a busy port: exit %d, stderr %s", code, stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Errorf("serve on a busy port created %v in the data directory: it opened stores before binding the port", entries)
	}
}
