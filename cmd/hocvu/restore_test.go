package main_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/internal/proctest"
)

func stopProcess(t *testing.T, p *proctest.Process) {
	t.Helper()
	p.Signal(syscall.SIGTERM)
	if code, err := p.Wait(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("stop: exit %d %v\n%s", code, err, p.Logs())
	}
}

func postOK(t *testing.T, p *proctest.Process, n int) {
	t.Helper()
	for i := 0; i < n; i += 10 {
		if code, body := postPadded(t, p.URL(), 10, 10); code != 200 {
			t.Fatalf("POST: %d %s", code, body)
		}
	}
}

// TestRestoredEmbeddedLogIsRefused: the embedded store's events directory
// is restored from a backup older than the read models beside it; serve
// refuses to start, and says how to rebuild.
func TestRestoredEmbeddedLogIsRefused(t *testing.T) {
	dir := t.TempDir()
	p := proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	postOK(t, p, 20)
	stopProcess(t, p)
	backup := filepath.Join(t.TempDir(), "events")
	if out, err := exec.Command("cp", "-a", filepath.Join(dir, "events"), backup).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	p = proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	postOK(t, p, 30)
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatal(err)
	}
	stopProcess(t, p)
	// Restore the older log; the read models stay as they are.
	if err := os.RemoveAll(filepath.Join(dir, "events")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(backup, filepath.Join(dir, "events")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := proctest.Run(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	for _, want := range []string{"restored from an older backup", "hocvu projections rebuild", filepath.Join(dir, "index")} {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Fatalf("serve on a restored log: exit %d, want it to say %q:\n%s", code, want, stderr)
		}
	}
	code, out, stderr := proctest.Run(t, nil, "projections", "status", "--data-dir="+dir)
	if code != 0 || !strings.Contains(out, "statement-index") || !strings.Contains(out, "AHEAD of the log") {
		t.Fatalf("projections status: exit %d\n%s%s", code, out, stderr)
	}
	// Rebuilding is the way out.
	for _, name := range []string{"statement-index", "document-index", "activity-definitions", "analytics"} {
		if code, out, stderr := proctest.Run(t, nil, "projections", "rebuild", name, "--data-dir="+dir); code != 0 {
			t.Fatalf("rebuild %s: exit %d\n%s%s", name, code, out, stderr)
		}
	}
	p = proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatal(err)
	}
}

// TestRestoredKurrentDBIsRefused: KurrentDB is restored from an older
// backup (here: a server whose log is shorter); an API whose read models
// went further and a projector whose analytics went further both refuse
// to start, saying how to rebuild.
func TestRestoredKurrentDBIsRefused(t *testing.T) {
	before := kurrenttest.New(t, kurrenttest.Options{})
	apiDir, projDir := t.TempDir(), t.TempDir()
	key := "HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef"
	env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+before.URL(), key)
	api := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+apiDir, "--no-analytics-projector")
	proj := proctest.Start(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+projDir)
	postOK(t, api, 30)
	if err := proj.WaitReady(time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	head, err := before.Store().Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the projector's analytics have applied the whole log (it
	// may go further: lease renewals keep appending).
	for deadline := time.Now().Add(time.Minute); metricSeries(t, proj.URL(), `hocvu_projection_position{projection="analytics-duckdb"}`) < float64(head.Commit); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the projector never applied the head %s", head)
		}
	}
	stopProcess(t, api)
	stopProcess(t, proj)

	// The restored log: shorter than what the read models applied.
	restored := kurrenttest.New(t, kurrenttest.Options{})
	for i := 0; i < 3; i++ {
		if _, err := restored.Store().Append(ctx, "s-"+uuid.NewString(), eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "test.x", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	env = append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+restored.URL(), key)
	code, _, stderr := proctest.Run(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+apiDir, "--no-analytics-projector")
	if code == 0 || !strings.Contains(stderr, "restored from an older backup") || !strings.Contains(stderr, "statement-index") {
		t.Fatalf("API on a restored KurrentDB: exit %d:\n%s", code, stderr)
	}
	code, _, stderr = proctest.Run(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+projDir)
	if code == 0 || !strings.Contains(stderr, "restored from an older backup") || !strings.Contains(stderr, "hocvu projections rebuild analytics") {
		t.Fatalf("projector on a restored KurrentDB: exit %d:\n%s", code, stderr)
	}
}

// metric returns the value of the metric line that starts with series, or
// -1.
func metricSeries(t *testing.T, base, series string) float64 {
	t.Helper()
	_, body := get(t, base+"/metrics")
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", line, err)
			}
			return f
		}
	}
	return -1
}
