package main_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/internal/proctest"
	"github.com/hocvu/hocvu/projections/projectionsapi"
)

// TestReplicaStartsFromSnapshot is the scale-out path of issue 21: replica
// A, serving over KurrentDB, takes a snapshot of its read models online
// (POST /api/projections/snapshot); replica B starts on a data directory
// copied from it, resumes its statement index from the snapshot's
// position (not the start of the log), and catches up with what was
// written after the snapshot.
func TestReplicaStartsFromSnapshot(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL(), "HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef")
	snapshots := t.TempDir()
	a := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector", "--snapshot-dir="+snapshots)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 21))
	base := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	posted := 0
	post := func(n int) {
		for i := 0; i < n; i += 50 {
			var batch []map[string]any
			for j := 0; j < 50; j++ {
				batch = append(batch, campaignStatement(rng.IntN(300), "21172", base.Add(time.Duration(posted+j)*time.Hour)))
			}
			if code := doJSON(t, "POST", a.URL()+"/xapi/statements", batch, nil); code != 200 {
				t.Fatalf("POST to A: %d", code)
			}
			posted += 50
		}
	}
	const n, m = 300, 200
	post(n)

	var taken projectionsapi.SnapshotTaken
	if code := doJSON(t, "POST", a.URL()+"/api/projections/snapshot", nil, &taken); code != 200 {
		t.Fatalf("snapshot: %d\n%s", code, a.Logs())
	}
	if filepath.Dir(taken.Dir) != snapshots || taken.EventStore != "" {
		t.Fatalf("snapshot in %q (event store %q), want a new directory in %s and no event store over KurrentDB", taken.Dir, taken.EventStore, snapshots)
	}
	var index projectionsapi.SnapshotModel
	for _, rm := range taken.ReadModels {
		if rm.Name == "statement-index" {
			index = rm
		}
	}
	if index.Dir != "index" || index.Commit == 0 {
		t.Fatalf("snapshot's statement index: %+v, want it in index/ at a position past the start of the log (%d statements applied)", index, n)
	}
	// Exactly the data directory's read-model directories: no keys, no
	// analytics, no lock or partial files.
	entries, err := os.ReadDir(taken.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"definitions", "documents", "index"}; !slices.Equal(names, want) {
		t.Fatalf("snapshot holds %v, want %v", names, want)
	}

	post(m) // after the snapshot: B must catch these up from the log

	dataB := t.TempDir()
	if err := os.CopyFS(dataB, os.DirFS(taken.Dir)); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := proctest.Run(t, env, "projections", "status", "--data-dir="+dataB)
	if code != 0 {
		t.Fatalf("projections status on B: exit %d\n%s%s", code, out, stderr)
	}
	if got := statusCheckpoint(out, "statement-index"); got != index.Position {
		t.Fatalf("B's statement index before it starts: checkpoint %q, want the snapshot's %q\n%s", got, index.Position, out)
	}

	b := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dataB, "--no-analytics-projector")
	for deadline := time.Now().Add(60 * time.Second); countStatements(t, b.URL()) != n+m; {
		if time.Now().After(deadline) {
			t.Fatalf("B serves %d statements, want %d", countStatements(t, b.URL()), n+m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if from := startedFrom(t, b.Logs(), "statement-index"); from != index.Position {
		t.Fatalf("B's statement index started from %q, want the snapshot's position %q", from, index.Position)
	}
	// B has no --snapshot-dir: it refuses snapshots and says why.
	if code := doJSON(t, "POST", b.URL()+"/api/projections/snapshot", nil, nil); code != 409 {
		t.Fatalf("snapshot on a replica without --snapshot-dir: %d, want 409", code)
	}
	a.Kill()
	b.Kill()
}

// countStatements counts the statements GET /xapi/statements pages through.
func countStatements(t *testing.T, url string) int {
	t.Helper()
	n := 0
	for next := "/xapi/statements?limit=500"; next != ""; {
		var page struct {
			Statements []map[string]any `json:"statements"`
			More       string           `json:"more"`
		}
		if code := doJSON(t, "GET", url+next, nil, &page); code != 200 {
			t.Fatalf("GET from %s: %d", url, code)
		}
		n += len(page.Statements)
		next = page.More
	}
	return n
}

// statusCheckpoint is the CHECKPOINT column of projection name in the
// output of `hocvu projections status`.
func statusCheckpoint(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

// startedFrom is the position projection name's runner started from, by
// its "projection started" log line.
func startedFrom(t *testing.T, logs, name string) string {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var l struct {
			Msg        string `json:"msg"`
			Projection string `json:"projection"`
			From       string `json:"from"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "projection started" && l.Projection == name {
			return l.From
		}
	}
	t.Fatalf("no %q line for %s in the logs:\n%s", "projection started", name, logs)
	return ""
}
